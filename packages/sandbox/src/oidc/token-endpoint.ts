import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type OidcContext, PATHS } from "./context.ts";
import { MAX_FORM_BYTES, readForm, repeated } from "./params.ts";
import { CODE_VERIFIER, verifierMatches } from "./pkce.ts";
import { mintTokens } from "./tokens.ts";

const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };

/** RFC 6749 §5.2's error answer: `{error, error_description}`, never cached. */
export function oauthError(c: Context, status: ContentfulStatusCode, error: string, description: string) {
  return c.json({ error, error_description: description }, status, NO_STORE);
}

const formLimit = bodyLimit({
  maxSize: MAX_FORM_BYTES,
  onError: (c) => oauthError(c, 413, "invalid_request", `The body is over ${MAX_FORM_BYTES} bytes`),
});

/** The form and its registered client, or the error answer (400 without one, 401 for an unknown one). */
async function clientForm(c: Context, ctx: OidcContext, names: readonly string[]) {
  const form = await readForm(c);
  if (!form)
    return { answer: oauthError(c, 400, "invalid_request", "Send application/x-www-form-urlencoded") };
  const twice = repeated(form, ["client_id", ...names]);
  if (twice) return { answer: oauthError(c, 400, "invalid_request", `${twice} must appear once`) };
  const clientId = form.get("client_id");
  if (!clientId) return { answer: oauthError(c, 400, "invalid_request", "client_id is required") };
  if (!ctx.config.clients.has(clientId))
    return { answer: oauthError(c, 401, "invalid_client", "client_id is not an app client of this issuer") };
  return { form, clientId };
}

/**
 * `POST /oauth2/token`: the authorization_code grant (PKCE S256 required; a code is single use) and the
 * refresh_token grant (new access and ID tokens, the same refresh token: Cognito without rotation), and
 * `POST /oauth2/revoke` (RFC 7009: the refresh token stops working).
 */
export function tokenRoutes(app: Hono, ctx: OidcContext): void {
  app.post(PATHS.token, formLimit, async (c) => {
    const read = await clientForm(c, ctx, [
      "grant_type",
      "code",
      "redirect_uri",
      "code_verifier",
      "refresh_token",
    ]);
    if ("answer" in read) return read.answer;
    const { form, clientId } = read;
    const grantType = form.get("grant_type");
    if (grantType === "authorization_code") {
      const code = form.get("code");
      const redirectUri = form.get("redirect_uri");
      const verifier = form.get("code_verifier");
      if (!code || !redirectUri || !verifier)
        return oauthError(c, 400, "invalid_request", "code, redirect_uri and code_verifier are required");
      if (!CODE_VERIFIER.test(verifier))
        return oauthError(c, 400, "invalid_request", "code_verifier must be 43 to 128 of [A-Za-z0-9-._~]");
      const redeemed = ctx.grants.redeemCode(code);
      if (!redeemed.ok)
        return oauthError(
          c,
          400,
          "invalid_grant",
          redeemed.reason === "replayed" ? "The code was already used" : "The code is invalid or expired",
        );
      const { grant, codeChallenge } = redeemed.code;
      if (grant.clientId !== clientId)
        return oauthError(c, 400, "invalid_grant", "The code was issued to another client");
      if (redeemed.code.redirectUri !== redirectUri)
        return oauthError(c, 400, "invalid_grant", "redirect_uri differs from the authorization request's");
      if (!verifierMatches(verifier, codeChallenge))
        return oauthError(c, 400, "invalid_grant", "code_verifier does not match the code_challenge");
      const tokens = await mintTokens(ctx.config, grant);
      return c.json({ ...tokens, refresh_token: ctx.grants.issueRefreshToken(code, grant) }, 200, NO_STORE);
    }
    if (grantType === "refresh_token") {
      const refreshToken = form.get("refresh_token");
      if (!refreshToken) return oauthError(c, 400, "invalid_request", "refresh_token is required");
      const grant = ctx.grants.refreshGrant(refreshToken);
      if (!grant || grant.clientId !== clientId)
        return oauthError(c, 400, "invalid_grant", "The refresh token is invalid, expired or revoked");
      return c.json(await mintTokens(ctx.config, grant), 200, NO_STORE);
    }
    if (!grantType) return oauthError(c, 400, "invalid_request", "grant_type is required");
    return oauthError(
      c,
      400,
      "unsupported_grant_type",
      "grant_type must be authorization_code or refresh_token",
    );
  });

  app.post(PATHS.revoke, formLimit, async (c) => {
    const read = await clientForm(c, ctx, ["token", "token_type_hint"]);
    if ("answer" in read) return read.answer;
    const token = read.form.get("token");
    if (!token) return oauthError(c, 400, "invalid_request", "token is required");
    const grant = ctx.grants.refreshGrant(token);
    if (grant && grant.clientId !== read.clientId)
      return oauthError(c, 400, "invalid_request", "The token was not issued to this client");
    // An unknown or already revoked token is no error (RFC 7009 §2.2): the answer is the same empty 200.
    ctx.grants.revokeRefreshToken(token);
    return c.body(null, 200, NO_STORE);
  });
}
