import type { OidcConfig } from "./options.ts";
import { SCOPES } from "./options.ts";

/**
 * The OpenID Provider metadata, shaped like a Cognito user pool's. Like Cognito's it has no
 * `end_session_endpoint`: Cognito's `/logout` takes `client_id` and `logout_uri`, not OIDC's RP-initiated
 * logout parameters, so the dashboard is configured with the logout URL instead.
 */
export function discoveryDocument(config: OidcConfig) {
  const at = (path: string) => `${config.issuer}${path}`;
  return {
    issuer: config.issuer,
    authorization_endpoint: at("/oauth2/authorize"),
    token_endpoint: at("/oauth2/token"),
    userinfo_endpoint: at("/oauth2/userInfo"),
    revocation_endpoint: at("/oauth2/revoke"),
    jwks_uri: at("/.well-known/jwks.json"),
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    code_challenge_methods_supported: ["S256"],
    scopes_supported: [...SCOPES],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
    // Public clients only: the app client has no secret, PKCE stands in for it.
    token_endpoint_auth_methods_supported: ["none"],
    revocation_endpoint_auth_methods_supported: ["none"],
    claims_supported: [
      "sub",
      "iss",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "nonce",
      "at_hash",
      "cognito:username",
      "cognito:groups",
      "token_use",
    ],
  };
}
