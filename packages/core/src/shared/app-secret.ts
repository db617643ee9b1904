import { randomBytes } from "node:crypto";
import * as z from "zod/mini";
import { ConfigError } from "./errors.ts";
import { parseConfig } from "./validation.ts";

/**
 * The app secret as a ring of numbered versions: `current` peppers new API keys and signs new cursors;
 * every version in `secrets` still verifies what it made. Retiring a version (dropping it from `secrets`)
 * invalidates the keys hashed and the cursors signed with it.
 */
export interface AppSecret {
  /** The version new keys are hashed and new cursors signed with; always a key of `secrets`. */
  readonly current: string;
  /** Every version still accepted, by version id (`"1"`, `"2"`, …). */
  readonly secrets: Readonly<Record<string, string>>;
}

/** Shortest secret of any version: 32 characters, as `APP_SECRET` has always required. */
export const APP_SECRET_MIN_LENGTH = 32;

/** Random bytes of a secret `rotateAppSecret` makes: 64 base64url characters. */
const GENERATED_SECRET_BYTES = 48;

/**
 * A version id is a whole number from 1 to 999,999 written without leading zeros: API keys carry it in
 * their prefix (`mrd2_…`), so it must be short and have one spelling.
 */
export const APP_SECRET_VERSION = /^[1-9][0-9]{0,5}$/;

const versionMessage = "a version is a whole number from 1 to 999999, without leading zeros";

/** The JSON form. Built on first use, like every schema (see epoch/epoch.ts). */
const RingSchema = z.lazy(() =>
  z
    .strictObject({
      current: z.string().check(z.regex(APP_SECRET_VERSION, versionMessage)),
      secrets: z.record(
        z.string().check(z.regex(APP_SECRET_VERSION, versionMessage)),
        z
          .string()
          .check(z.minLength(APP_SECRET_MIN_LENGTH, `must be at least ${APP_SECRET_MIN_LENGTH} characters`)),
        { error: (issue) => (issue.code === "invalid_key" ? versionMessage : undefined) },
      ),
    })
    .check(
      z.refine((ring) => Object.hasOwn(ring.secrets, ring.current), {
        path: ["current"],
        message: "names a version that is not in secrets",
      }),
    ),
);

/**
 * Reads the app secret's text: a plain string (the only form before versions existed) is version `"1"`,
 * used exactly as given; text starting with `{` is the JSON form
 * `{"current":"2","secrets":{"1":"…","2":"…"}}`. Throws a ConfigError that starts with `name` and says what
 * is wrong, never a secret's value.
 *
 * @example
 * parseAppSecret(process.env.APP_SECRET ?? "", "APP_SECRET"); // { current: "1", secrets: { "1": … } }
 */
export function parseAppSecret(text: string, name = "the app secret"): AppSecret {
  if (!text.trimStart().startsWith("{")) {
    if (text.length < APP_SECRET_MIN_LENGTH) {
      throw new ConfigError(
        `${name} is invalid: must be at least ${APP_SECRET_MIN_LENGTH} characters, ` +
          `or JSON {"current": "<version>", "secrets": {"<version>": "<secret>"}}`,
      );
    }
    return { current: "1", secrets: { "1": text } };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the fault: never shown.
    throw new ConfigError(`${name} is invalid: it starts with { but is not valid JSON`);
  }
  const ring = parseConfig(
    RingSchema,
    value,
    "(secret)",
    (problems) => new ConfigError(`${name} is invalid: ${problems.join("; ")}`),
  );
  return { current: ring.current, secrets: { ...ring.secrets } };
}

/** A ring as it is passed around, or the app secret's text (see `parseAppSecret`). */
export function toAppSecret(secret: AppSecret | string): AppSecret {
  return typeof secret === "string" ? parseAppSecret(secret) : secret;
}

/** The JSON form, versions in numeric order, on one line (as Secrets Manager shows a value). */
export function formatAppSecret(secret: AppSecret): string {
  const versions = Object.keys(secret.secrets).sort((a, b) => Number(a) - Number(b));
  const secrets = Object.fromEntries(versions.map((v) => [v, secret.secrets[v] as string]));
  return JSON.stringify({ current: secret.current, secrets });
}

/**
 * Adds a version one above the highest and makes it current; the others stay, so every key and cursor
 * made so far keeps working. Without `newSecret`, 48 random bytes in base64url. Returns the new text (the
 * JSON form); throws a ConfigError if `text` is not an app secret or `newSecret` is too short or already
 * in the ring.
 *
 * @example
 * rotateAppSecret(plain); // {"current":"2","secrets":{"1":plain,"2":<new>}}
 */
export function rotateAppSecret(text: string, newSecret?: string): string {
  const ring = parseAppSecret(text);
  const secret = newSecret ?? randomBytes(GENERATED_SECRET_BYTES).toString("base64url");
  if (secret.length < APP_SECRET_MIN_LENGTH) {
    throw new ConfigError(`the new secret must be at least ${APP_SECRET_MIN_LENGTH} characters`);
  }
  if (Object.values(ring.secrets).includes(secret)) {
    throw new ConfigError("the new secret is already one of the app secret's versions");
  }
  const version = String(Math.max(...Object.keys(ring.secrets).map(Number)) + 1);
  if (!APP_SECRET_VERSION.test(version)) {
    throw new ConfigError(`the app secret has reached its last version (${versionMessage})`);
  }
  return formatAppSecret({ current: version, secrets: { ...ring.secrets, [version]: secret } });
}

/**
 * Removes `version` from the ring: the API keys hashed and cursors signed with it stop working once the
 * functions read the new text. Refuses the current version and one the ring does not hold.
 *
 * @example
 * retireAppSecret('{"current":"2","secrets":{"1":…,"2":…}}', "1"); // {"current":"2","secrets":{"2":…}}
 */
export function retireAppSecret(text: string, version: string): string {
  const ring = parseAppSecret(text);
  if (!Object.hasOwn(ring.secrets, version)) {
    const held = Object.keys(ring.secrets).join(", ");
    throw new ConfigError(`the app secret has no version ${JSON.stringify(version)} (it holds ${held})`);
  }
  if (version === ring.current) {
    throw new ConfigError(`version ${version} is the current one: rotate first, then retire it`);
  }
  const { [version]: _retired, ...secrets } = ring.secrets;
  return formatAppSecret({ current: ring.current, secrets });
}
