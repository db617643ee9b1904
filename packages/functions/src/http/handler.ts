import { handle } from "hono/aws-lambda";
import { loadRuntimeConfig, type RuntimeConfig } from "../config.ts";
import { resolveAppSecret } from "../secret.ts";
import { createMeridianApp } from "../wiring.ts";
import { lambdaClientIp, lambdaRequestId } from "./front-door.ts";

async function withSecret(config: RuntimeConfig) {
  return { ...config, appSecret: await resolveAppSecret(config.appSecret, config.region) };
}

/** HTTP entry point for API Gateway HTTP API (v2), REST API (v1) and ALB events. */
export const handler = handle(
  createMeridianApp(await withSecret(loadRuntimeConfig()), {
    clientIp: lambdaClientIp,
    frontDoorRequestId: lambdaRequestId,
  }),
);
