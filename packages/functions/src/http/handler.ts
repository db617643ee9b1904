import { jsonLogger } from "@meridian/api";
import { handle } from "hono/aws-lambda";
import { loadRuntimeConfig } from "../config.ts";
import { resolveAppSecret } from "../secret.ts";
import { createMeridianApp } from "../wiring.ts";
import { lambdaClientIp, lambdaRequestId } from "./front-door.ts";

/** HTTP entry point for API Gateway HTTP API (v2), REST API (v1) and ALB events. */
export const handler = handle(
  createMeridianApp(await resolveAppSecret(loadRuntimeConfig()), {
    clientIp: lambdaClientIp,
    frontDoorRequestId: lambdaRequestId,
    logger: jsonLogger,
  }),
);
