/**
 * What hosting the dashboard means wherever it is served — the sandbox at `/app/`, CloudFront in AWS: the
 * path it is built for, the `config.json` it reads (written per stage, so one build serves every stage) and
 * the Content-Security-Policy it runs under. packages/web parses the same `config.json` (its own hand check,
 * kept in step by packages/web/test/config.test.ts).
 */
export const DASHBOARD_BASE = "/app/";

/** `/app/config.json`. */
export interface DashboardConfig {
  stage: string;
  /** The API's base URL, no trailing slash. */
  apiUrl: string;
  /** Where renditions are served (the images CDN, or the sandbox's `/_sandbox/images`). */
  imagesUrl?: string;
  auth: {
    /** The OIDC issuer (the `iss` of every token): the user pool's provider URL, or the sandbox's issuer. */
    authority: string;
    /** The web app client's id: the `client_id` claim the API checks. */
    clientId: string;
    /** Cognito's logout endpoint (`<managed login domain>/logout`), which takes `client_id` and `logout_uri`. */
    logoutUrl: string;
    scope: string;
  };
  /** Development only: an EventSource whose `reload` event reloads the page after a rebuild. */
  reloadUrl?: string;
}

/** The scope the dashboard asks for: an OIDC sign-in with the user's e-mail (Cognito's `openid email`). */
export const DASHBOARD_SCOPE = "openid email";

export interface DashboardOrigins {
  /** Origins the page calls: the API, the sign-in endpoints (token, discovery), the upload bucket. */
  connect: string[];
  /** Origins of images it shows (the renditions' CDN). */
  images: string[];
}

/**
 * The dashboard's CSP: its own scripts and styles only (no inline code: `index.html` has none), images
 * from itself and the renditions' origin, connections to the API, sign-in and upload origins only, no
 * plugins, no `<base>`, forms only to itself, and no framing (clickjacking).
 */
export function dashboardContentSecurityPolicy(origins: DashboardOrigins): string {
  const list = (values: string[]) => [...new Set(values)].join(" ");
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob: ${list(origins.images)}`.trimEnd(),
    `connect-src 'self' ${list(origins.connect)}`.trimEnd(),
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}
