import * as z from "zod/mini";
import { ISSUER_PATH, type LocalIssuerKey } from "../issuer.ts";

/** An app client of the local user pool: a public client (no secret) that signs in with PKCE. */
export interface OidcClient {
  clientId: string;
  /** Callback URLs, compared exactly (Cognito's "Allowed callback URLs"). */
  redirectUris: string[];
  /** Sign-out URLs `GET /logout` may redirect to, compared exactly (Cognito's "Allowed sign-out URLs"). */
  logoutUris: string[];
}

export interface OidcOptions {
  /** The `iss` of every token, e.g. `http://127.0.0.1:3000/_sandbox/issuer`; its path must be `ISSUER_PATH`. */
  issuer: string;
  /** Signs the access and ID tokens (the key the API's JWKS publishes). */
  key: LocalIssuerKey;
  /** The app clients; the dashboard is `LOCAL_AUDIENCE` with its `/app/callback` URL. */
  clients: OidcClient[];
  /** Lifetime of access and ID tokens. Default 3,600 (Cognito's default); at most 86,400. */
  accessTokenTtlSeconds?: number;
  /** Milliseconds since 1970, like `Date.now` (the default); tests move it to expire codes. */
  now?: () => number;
}

/** Scopes a client may ask for: Cognito's standard OIDC scopes. No scope asked means all of them. */
export const SCOPES = ["openid", "email", "phone", "profile"] as const;
/** A one-time authorization code lives 5 minutes, as Cognito's do. */
export const CODE_TTL_MS = 5 * 60_000;
/** The signed sign-in form expires after 10 minutes: the user starts again from the app. */
export const LOGIN_FORM_TTL_MS = 10 * 60_000;
/** Cognito's default refresh-token validity: 30 days (here at most until the sandbox stops). */
export const REFRESH_TOKEN_TTL_MS = 30 * 86_400_000;
/** Cap on codes and on refresh tokens held in memory; past it the oldest go first. */
export const MAX_ENTRIES = 10_000;

const absoluteUrl = z.string().check(
  z.refine((value) => {
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hash === "";
  }, "must be an absolute http(s) URL without a fragment"),
);

const optionsSchema = z.strictObject({
  issuer: absoluteUrl.check(
    z.refine((value) => URL.canParse(value) && new URL(value).pathname === ISSUER_PATH, {
      message: `must end with ${ISSUER_PATH} (the path the routes are served at)`,
    }),
  ),
  key: z.custom<LocalIssuerKey>((value) => typeof (value as LocalIssuerKey | undefined)?.kid === "string"),
  clients: z
    .array(
      z.strictObject({
        clientId: z.string().check(z.regex(/^[\w+-]{1,128}$/)),
        redirectUris: z.array(absoluteUrl).check(z.minLength(1)),
        logoutUris: z.array(absoluteUrl),
      }),
    )
    .check(z.minLength(1)),
  accessTokenTtlSeconds: z.optional(z.int().check(z.gte(60), z.lte(86_400))),
  now: z.optional(z.custom<() => number>((value) => typeof value === "function")),
});

/** The options, checked once, with what every endpoint looks up. */
export interface OidcConfig {
  issuer: string;
  key: LocalIssuerKey;
  clients: ReadonlyMap<string, OidcClient>;
  /** Origins of the registered callback URLs: the only ones CORS lets read the token endpoint. */
  origins: ReadonlySet<string>;
  accessTokenTtlSeconds: number;
  now: () => number;
}

/** Checks the options (unknown keys and bad URLs throw, naming the option) and indexes the clients. */
export function oidcConfig(options: OidcOptions): OidcConfig {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(
      `oidcRoutes: option ${issue?.path.join(".") || "?"} ${issue?.message ?? "is invalid"}`,
    );
  }
  const clients = new Map(options.clients.map((client) => [client.clientId, client]));
  const origins = new Set(
    options.clients.flatMap((client) => client.redirectUris.map((u) => new URL(u).origin)),
  );
  return {
    issuer: options.issuer,
    key: options.key,
    clients,
    origins,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
    now: options.now ?? Date.now,
  };
}
