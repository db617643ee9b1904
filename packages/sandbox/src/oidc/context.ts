import { ISSUER_PATH } from "../issuer.ts";
import type { GrantStore } from "./grant-store.ts";
import type { LoginRequestSealer } from "./login-request.ts";
import type { OidcConfig } from "./options.ts";

/** What every endpoint shares: the checked options, the codes and refresh tokens, the form sealer. */
export interface OidcContext {
  config: OidcConfig;
  grants: GrantStore;
  forms: LoginRequestSealer;
}

/** Endpoint paths, absolute, as the sandbox routes them (Cognito's paths under the issuer). */
export const PATHS = {
  discovery: `${ISSUER_PATH}/.well-known/openid-configuration`,
  authorize: `${ISSUER_PATH}/oauth2/authorize`,
  token: `${ISSUER_PATH}/oauth2/token`,
  userInfo: `${ISSUER_PATH}/oauth2/userInfo`,
  revoke: `${ISSUER_PATH}/oauth2/revoke`,
  logout: `${ISSUER_PATH}/logout`,
} as const;
