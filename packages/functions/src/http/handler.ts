import { SERVICE } from "@meridian/core";
// Deprecated for Hono 5 in favour of @hono/aws-lambda, which the registry does not serve yet (decision 0014).
import { handle } from "hono/aws-lambda";
import { LinearRouter } from "hono/router/linear-router";
import { loadRuntimeConfig } from "../config.ts";
import { resolveAppSecret } from "../secret.ts";
import { installSourceMappedStacks } from "../stack-traces.ts";
import { loadTracing } from "../tracing/tracing.ts";
import { createMeridianApp } from "../wiring.ts";
import { lambdaClientIp, lambdaRequestId, withAlbStatusDescription } from "./front-door.ts";
import { installLiteFetch } from "./lite-fetch/install.ts";
import { withHttpTracing } from "./tracing.ts";

installSourceMappedStacks();
// Before anything builds a Headers, Request or Response: Hono and hono/aws-lambda then never load Node's
// fetch implementation (undici), a large part of every cold start (measured in decision 0007).
installLiteFetch();
const config = loadRuntimeConfig();
const tracing = await loadTracing({ enabled: config.tracingEnabled, service: SERVICE.http });
const app = createMeridianApp(
  { ...config, appSecret: await resolveAppSecret(config.appSecret, config.region, tracing) },
  { clientIp: lambdaClientIp, frontDoorRequestId: lambdaRequestId, tracing, router: new LinearRouter() },
);

/** HTTP entry point for API Gateway HTTP API (v2), REST API (v1) and ALB events. */
export const handler = withHttpTracing(withAlbStatusDescription(handle(app)), tracing);
