import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { type OidcContext, PATHS } from "./context.ts";
import type { LoginRequest } from "./login-request.ts";
import type { OidcClient } from "./options.ts";
import { SCOPES } from "./options.ts";
import { errorPage, type LoginPageOptions, loginPage, pageHeaders } from "./pages.ts";
import { MAX_FORM_BYTES, readForm, repeated } from "./params.ts";
import { S256_CHALLENGE } from "./pkce.ts";

/** User names the sign-in page takes; the user's `sub` is `local-<username>`. */
export const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;
const MAX_STATE = 2048;
const MAX_NONCE = 1024;
const DEFAULT_USERNAME = "alice";

type Role = "customer" | "admin";

/** A page for what cannot go back to the app: 400, never a redirect to a URL we could not vouch for. */
function refuse(c: Context, title: string, message: string, status: 400 | 403 | 413 = 400) {
  return c.html(errorPage(title, message), status, pageHeaders());
}

/** The client and its callback URL, both checked exactly against the registration, or why not. */
function target(
  ctx: OidcContext,
  clientId: string | undefined | null,
  redirectUri: string | undefined | null,
): { client: OidcClient; redirectUri: string } | { title: string; message: string } {
  const client = clientId ? ctx.config.clients.get(clientId) : undefined;
  if (!client)
    return { title: "Unknown app client", message: "client_id does not name an app client of this issuer." };
  if (!redirectUri || !client.redirectUris.includes(redirectUri))
    return {
      title: "Unregistered callback URL",
      message: "redirect_uri must be exactly one of the app client's callback URLs.",
    };
  return { client, redirectUri };
}

/** `redirectUri` with `params` added to its query (the undefined ones left out). */
function callbackUrl(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(name, value);
  return url.href;
}

function redirect(c: Context, location: string) {
  return c.body(null, 302, { location, "cache-control": "no-store" });
}

/** The authorization request's other parameters, checked as RFC 6749 §4.1.1 and RFC 7636 §4.3 say. */
function parseRequest(
  params: URLSearchParams,
  clientId: string,
  redirectUri: string,
  state: string | undefined,
): LoginRequest | { error: string; description: string } {
  const invalid = (description: string) => ({ error: "invalid_request", description });
  const twice = repeated(params, [
    "response_type",
    "code_challenge",
    "code_challenge_method",
    "scope",
    "nonce",
    "prompt",
  ]);
  if (twice) return invalid(`${twice} must appear once`);
  const responseType = params.get("response_type");
  if (!responseType) return invalid("response_type is required");
  if (responseType !== "code")
    return { error: "unsupported_response_type", description: "Only response_type=code is supported" };
  const challenge = params.get("code_challenge");
  if (!challenge) return invalid("code_challenge is required: this issuer requires PKCE");
  if (params.get("code_challenge_method") !== "S256")
    return invalid("code_challenge_method must be S256 (plain is refused)");
  if (!S256_CHALLENGE.test(challenge)) return invalid("code_challenge must be 43 base64url characters");
  const nonce = params.get("nonce") ?? undefined;
  if (nonce !== undefined && (nonce.length === 0 || nonce.length > MAX_NONCE))
    return invalid(`nonce must be 1 to ${MAX_NONCE} characters`);
  const asked = (params.get("scope") ?? "").split(" ").filter(Boolean);
  const unknown = asked.find((scope) => !(SCOPES as readonly string[]).includes(scope));
  if (unknown !== undefined)
    return { error: "invalid_scope", description: `Scopes supported: ${SCOPES.join(" ")}` };
  // No scope asked: all of the client's, as Cognito grants.
  const scope = asked.length ? [...new Set(asked)].join(" ") : SCOPES.join(" ");
  // OIDC Core §3.1.2.6: no page may be shown, and there is never a session to sign in silently with.
  if ((params.get("prompt") ?? "").split(" ").includes("none"))
    return { error: "login_required", description: "No sign-in session: the sandbox keeps none" };
  return { clientId, redirectUri, state, codeChallenge: challenge, scope, nonce };
}

/**
 * `GET /oauth2/authorize` checks the request and shows the sign-in page; `POST /oauth2/authorize` (the
 * page's form) issues a one-time code and redirects to the callback with it and the state.
 */
export function authorizeRoutes(app: Hono, ctx: OidcContext): void {
  const render = (
    c: Context,
    request: LoginRequest,
    form: { username: string; role: Role; error?: LoginPageOptions["error"] },
  ) =>
    c.html(
      loginPage({
        action: PATHS.authorize,
        request: ctx.forms.seal(request),
        clientId: request.clientId,
        returnTo: new URL(request.redirectUri).origin,
        ...form,
      }),
      form.error ? 400 : 200,
      pageHeaders(new URL(request.redirectUri).origin),
    );

  app.get(PATHS.authorize, (c) => {
    const params = new URL(c.req.url).searchParams;
    if (repeated(params, ["client_id", "redirect_uri"]))
      return refuse(c, "Invalid sign-in request", "client_id and redirect_uri must appear once.");
    const found = target(ctx, params.get("client_id"), params.get("redirect_uri"));
    if (!("client" in found)) return refuse(c, found.title, found.message);
    // From here on errors go back to the app, as Cognito (and RFC 6749 §4.1.2.1) sends them.
    const states = params.getAll("state");
    const state = states.length === 1 && (states[0]?.length ?? 0) <= MAX_STATE ? states[0] : undefined;
    const fail = (error: string, description: string) =>
      redirect(c, callbackUrl(found.redirectUri, { error, error_description: description, state }));
    if (states.length > 1) return fail("invalid_request", "state must appear once");
    if (states.length === 1 && state === undefined)
      return fail("invalid_request", `state must be at most ${MAX_STATE} characters`);
    const request = parseRequest(params, found.client.clientId, found.redirectUri, state);
    if ("error" in request) return fail(request.error, request.description);
    return render(c, request, { username: DEFAULT_USERNAME, role: "customer" });
  });

  app.post(
    PATHS.authorize,
    bodyLimit({
      maxSize: MAX_FORM_BYTES,
      onError: (c) => refuse(c, "Sign-in form too large", "Go back to the app and sign in again.", 413),
    }),
    async (c) => {
      // Defence in depth beside the sealed request: a browser names the page's origin on a same-origin post.
      const origin = c.req.header("origin");
      if (origin !== undefined && origin !== new URL(c.req.url).origin)
        return refuse(c, "Sign-in refused", "The sign-in form was posted from another site.", 403);
      const form = await readForm(c);
      if (!form || repeated(form, ["request", "username", "role"]))
        return refuse(c, "Invalid sign-in form", "Go back to the app and sign in again.");
      const request = ctx.forms.open(form.get("request") ?? "");
      if (!request)
        return refuse(
          c,
          "Sign-in form expired",
          "This sign-in form has expired or was changed. Go back to the app and sign in again.",
        );
      const found = target(ctx, request.clientId, request.redirectUri);
      if (!("client" in found)) return refuse(c, found.title, found.message);
      const username = form.get("username") ?? "";
      const roleField = form.get("role");
      const role: Role | undefined =
        roleField === "admin" || roleField === "customer" ? roleField : undefined;
      if (!USERNAME.test(username))
        return render(c, request, {
          username: username.slice(0, 256),
          role: role ?? "customer",
          error: {
            field: "username",
            message: "Enter a user name of 1 to 64 letters, digits, dots, dashes, underscores or @.",
          },
        });
      if (!role)
        return render(c, request, {
          username,
          role: "customer",
          error: { field: "role", message: "Choose a role." },
        });
      const code = ctx.grants.issueCode({
        grant: {
          clientId: request.clientId,
          sub: `local-${username}`,
          username,
          role,
          scope: request.scope,
          nonce: request.nonce,
          authTime: Math.floor(ctx.config.now() / 1000),
        },
        redirectUri: request.redirectUri,
        codeChallenge: request.codeChallenge,
      });
      return redirect(c, callbackUrl(request.redirectUri, { code, state: request.state }));
    },
  );
}
