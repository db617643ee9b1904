import { BUDGETS, createLogger, type Logger } from "@meridian/core";
import type { PreTokenGenerationV2TriggerEvent } from "aws-lambda";
import type { PreTokenConfig } from "../config.ts";
import { noTracing, type Tracing } from "../tracing/tracing.ts";
import { type AdminGateDeps, gateAdminGroup } from "./admin-gate.ts";
import { PRE_TOKEN_SERVICE } from "./service.ts";
import { createTotpLookup } from "./totp-lookup.ts";

export interface PreTokenTelemetry {
  logger?: Logger;
  tracing?: Tracing;
}

/**
 * Wires the pre token generation trigger (V2_0 events): the admin gate with AdminGetUser behind it, within
 * BUDGETS.preToken. Traced, each invocation is one `## index.handler` subsegment holding the Cognito call.
 */
export function createPreTokenHandler(config: PreTokenConfig, telemetry: PreTokenTelemetry = {}) {
  const tracing = telemetry.tracing ?? noTracing;
  const deps: AdminGateDeps = {
    hasTotp: createTotpLookup({
      budget: BUDGETS.preToken.call,
      region: config.region,
      endpoint: config.cognitoEndpoint,
      credentials: config.cognitoCredentials,
      tracing,
    }),
    adminGroup: config.adminGroup,
    logger: telemetry.logger ?? createLogger({ service: PRE_TOKEN_SERVICE, level: config.logLevel }),
    lookupMs: BUDGETS.preToken.lookupMs,
  };
  return (event: PreTokenGenerationV2TriggerEvent, context?: { awsRequestId?: string }) =>
    tracing.invocation(() => gateAdminGroup(deps, event), { requestId: context?.awsRequestId });
}
