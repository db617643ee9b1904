/**
 * The dashboard's runtime configuration, read once from `/app/config.json` (written per stage at deploy, served
 * by the sandbox locally), so one build serves every stage. Checked by hand rather than with zod/mini: eight
 * fields do not justify a schema library on the first page's budget.
 */
export interface DashboardConfig {
  stage: string;
  /** Base URL of the API, no trailing slash; the same origin locally. */
  apiUrl: string;
  /** Where the images CDN serves renditions, when the stage has one (informational: renditions carry URLs). */
  imagesUrl?: string;
  auth: {
    /** OIDC issuer: the sandbox's local issuer, or `https://cognito-idp.<region>.amazonaws.com/<pool id>`. */
    authority: string;
    clientId: string;
    /** Cognito-shaped logout endpoint: takes `client_id` and `logout_uri`. */
    logoutUrl: string;
    scope: string;
  };
  /** Development only: an EventSource URL whose `reload` event reloads the page after a rebuild. */
  reloadUrl?: string;
}

/** The configuration could not be loaded or is not what the dashboard needs; `problems` names each field. */
export class ConfigInvalidError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`config.json: ${problems.join("; ")}`);
    this.name = "ConfigInvalidError";
    this.problems = problems;
  }
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

/**
 * Checks a parsed `config.json` and returns it typed, URLs without trailing slashes. Every problem is
 * reported at once, named by its path, so a broken deploy says everything that is wrong.
 *
 * @example
 * parseConfig({ stage: "dev", apiUrl: "http://127.0.0.1:3000/", auth: { ... } }).apiUrl // "http://127.0.0.1:3000"
 */
export function parseConfig(raw: unknown): DashboardConfig {
  const problems: string[] = [];
  if (!isObject(raw)) throw new ConfigInvalidError(["not a JSON object"]);
  const auth = isObject(raw.auth) ? raw.auth : undefined;
  if (!auth) problems.push("auth: missing (an object with authority, clientId, logoutUrl, scope)");

  const text = (
    from: Json | undefined,
    key: string,
    path: string,
    kind: "text" | "url",
    optional = false,
  ) => {
    const value = from?.[key];
    if (value === undefined && optional) return undefined;
    if (typeof value !== "string" || value.trim() === "") {
      if (from) problems.push(`${path}: missing or not a non-empty string`);
      return "";
    }
    if (kind === "url" && !isHttpUrl(value)) {
      problems.push(`${path}: not an http(s) URL`);
      return "";
    }
    return kind === "url" ? value.replace(/\/+$/, "") : value;
  };

  const config: DashboardConfig = {
    stage: text(raw, "stage", "stage", "text") ?? "",
    apiUrl: text(raw, "apiUrl", "apiUrl", "url") ?? "",
    auth: {
      authority: text(auth, "authority", "auth.authority", "url") ?? "",
      clientId: text(auth, "clientId", "auth.clientId", "text") ?? "",
      logoutUrl: text(auth, "logoutUrl", "auth.logoutUrl", "url") ?? "",
      scope: text(auth, "scope", "auth.scope", "text") ?? "",
    },
  };
  const imagesUrl = text(raw, "imagesUrl", "imagesUrl", "url", true);
  if (imagesUrl) config.imagesUrl = imagesUrl;
  const reloadUrl = text(raw, "reloadUrl", "reloadUrl", "text", true);
  if (reloadUrl) config.reloadUrl = reloadUrl;
  if (problems.length > 0) throw new ConfigInvalidError(problems);
  return config;
}

/** Fetches and checks `config.json` next to the app (`/app/config.json`); any failure is a ConfigInvalidError. */
export async function loadConfig(url = `${import.meta.env.BASE_URL}config.json`): Promise<DashboardConfig> {
  let response: Response;
  try {
    response = await fetch(url, { cache: "no-store", signal: AbortSignal.timeout(10_000) });
  } catch {
    throw new ConfigInvalidError([`could not be fetched from ${url}`]);
  }
  if (!response.ok) throw new ConfigInvalidError([`${url} answered ${response.status}`]);
  let raw: unknown;
  try {
    raw = await response.json();
  } catch {
    throw new ConfigInvalidError([`${url} is not JSON`]);
  }
  return parseConfig(raw);
}
