import { loadPreTokenConfig } from "../config.ts";
import { installSourceMappedStacks } from "../stack-traces.ts";
import { loadTracing } from "../tracing/tracing.ts";
import { PRE_TOKEN_SERVICE } from "./service.ts";
import { createPreTokenHandler } from "./trigger.ts";

installSourceMappedStacks();
const config = loadPreTokenConfig();

/** Cognito pre token generation trigger (V2_0): admins are admin-group members with TOTP MFA enabled. */
export const handler = createPreTokenHandler(config, {
  tracing: await loadTracing({ enabled: config.tracingEnabled, service: PRE_TOKEN_SERVICE }),
});
