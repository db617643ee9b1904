import type { StageConfig } from "../config/stages.ts";

/** Where Cognito may send the browser back after sign-in (`redirect_uri`) and after sign-out (`logout_uri`). */
export interface DashboardRedirects {
  callbackUrls: string[];
  logoutUrls: string[];
}

/**
 * Cognito takes plain HTTP for `http://localhost` only (its API reference: "HTTPS over HTTP except for
 * http://localhost"), so a loopback address such as `http://127.0.0.1:3000` is left out: CloudFormation would
 * fail on it. The sandbox's own dashboard signs in against the sandbox's issuer, not Cognito.
 */
function isLocalOriginCognitoTakes(origin: string): boolean {
  const { protocol, hostname } = new URL(origin);
  return hostname === "localhost" && (protocol === "http:" || protocol === "https:");
}

/**
 * The web client's redirect URLs: the dashboard's `/app/callback` and `/app/`, and the same paths on the stage's
 * local `corsOrigins`, which only stages that allow local origins list (dev and personal stages; staging and
 * prod only with `allowLocalOrigins`), so a developer's `npm run dev` page can sign in against that stage.
 *
 * @example
 * dashboardRedirects(dev, "https://d1.cloudfront.net").callbackUrls
 * // ["https://d1.cloudfront.net/app/callback", "http://localhost:3000/app/callback"]
 */
export function dashboardRedirects(stage: StageConfig, dashboardOrigin: string): DashboardRedirects {
  const local = stage.corsOrigins
    .filter((origin) => origin !== "*" && isLocalOriginCognitoTakes(origin))
    .map((origin) => origin.replace(/\/$/, ""));
  const origins = [dashboardOrigin, ...local];
  return {
    callbackUrls: origins.map((origin) => `${origin}/app/callback`),
    logoutUrls: origins.map((origin) => `${origin}/app/`),
  };
}
