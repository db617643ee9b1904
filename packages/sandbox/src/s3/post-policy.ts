import { accessDenied, checkKeyLength, invalidArgument, S3Error, signatureDoesNotMatch } from "./errors.ts";
import type { ObjectAttributes } from "./file-store.ts";
import {
  ALGORITHM,
  hmacHex,
  parseCredential,
  type S3Credentials,
  sameSignature,
  scopeSigningKey,
} from "./sigv4.ts";

/** The fields of a POST form that came before its `file` part (S3 ignores what follows the file). */
export interface PostForm {
  /** Lower-cased field name → its first value and the name as sent (S3 matches names case-insensitively). */
  fields: Map<string, { name: string; value: string }>;
  /** The bucket of the URL, which is what a `bucket` condition is checked against. */
  bucket: string;
  /** The file part's filename, for `${filename}` in the key. */
  filename: string;
}

/** What an accepted form asks the store to do. */
export interface AcceptedPost {
  key: string;
  /** From `content-length-range`; [0, 5 GiB] without one (S3's largest single upload). */
  minBytes: number;
  maxBytes: number;
  attributes: ObjectAttributes;
  /** 200, 201 or 204 (the default), from `success_action_status`. */
  successStatus: 200 | 201 | 204;
  successRedirect: string | undefined;
  accessKeyId: string;
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: S3's literal key variable, not a template.
const FILENAME_VARIABLE = "${filename}";

export const MAX_UPLOAD_BYTES = 5 * 1024 ** 3;

/** Fields the policy need not name (S3: x-amz-signature, file, policy and x-ignore-*). */
const isExempt = (name: string) =>
  name === "policy" || name === "x-amz-signature" || name === "file" || name.startsWith("x-ignore-");

/** Representation headers a form may set, kept with the object. */
const STORED_HEADERS = ["cache-control", "content-disposition", "content-encoding", "expires"];

const policyFailed = (condition: unknown[]) =>
  accessDenied(
    `Invalid according to Policy: Policy Condition failed: [${condition.map((part) => JSON.stringify(part)).join(", ")}]`,
  );

const invalidPolicy = (message: string) =>
  new S3Error(400, "InvalidPolicyDocument", `Invalid Policy: ${message}`);

function field(form: PostForm, name: string): string | undefined {
  return form.fields.get(name)?.value;
}

/**
 * Checks a browser POST upload as S3 does, in S3's order: the SigV4 signature of the base64 policy
 * (HMAC-SHA256 with the signing key of `x-amz-credential`'s date and region) → SignatureDoesNotMatch;
 * the policy's expiration → AccessDenied "Policy expired."; every condition (`{"field": value}`, `eq`,
 * `starts-with`, the bucket) → AccessDenied "Policy Condition failed: […]"; then every field of the form
 * must be named by a condition → AccessDenied "Extra input fields: …". The size (`content-length-range`) is
 * returned for the caller to enforce while the file streams.
 */
export function acceptPost(
  form: PostForm,
  credentials: S3Credentials,
  region: string,
  now: number,
): AcceptedPost {
  const policy = field(form, "policy");
  if (policy === undefined) throw accessDenied();
  for (const required of ["x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"]) {
    if (field(form, required) === undefined) {
      throw invalidArgument(`Bucket POST must contain a field named '${required}'.`, required, "");
    }
  }
  if (field(form, "x-amz-algorithm") !== ALGORITHM) {
    throw invalidArgument(
      "POST requires x-amz-algorithm AWS4-HMAC-SHA256.",
      "x-amz-algorithm",
      field(form, "x-amz-algorithm"),
    );
  }
  const scope = parseCredential(field(form, "x-amz-credential") ?? "", "form");
  const key = scopeSigningKey(scope, credentials, region);
  if (!sameSignature(hmacHex(key, policy), field(form, "x-amz-signature") ?? "")) {
    throw signatureDoesNotMatch({
      AWSAccessKeyId: scope.accessKeyId,
      StringToSign: policy,
      SignatureProvided: field(form, "x-amz-signature"),
    });
  }

  const document = parsePolicy(policy);
  if (now > document.expiration) throw accessDenied("Invalid according to Policy: Policy expired.");

  const rawKey = field(form, "key");
  if (rawKey === undefined) {
    throw invalidArgument(
      "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
      "key",
      "",
    );
  }
  // S3 puts the file's name where the key says ${filename} (a literal, not a template).
  const objectKey = rawKey.replaceAll(FILENAME_VARIABLE, form.filename);
  if (objectKey.length === 0) throw invalidArgument("User key must have a length greater than 0.", "key", "");
  checkKeyLength(objectKey);
  // The values conditions are checked against: the expanded key, and the URL's bucket.
  const values = new Map([...form.fields].map(([name, entry]) => [name, entry.value]));
  values.set("key", objectKey);
  values.set("bucket", form.bucket);

  const covered = new Set<string>();
  let minBytes = 0;
  let maxBytes = MAX_UPLOAD_BYTES;
  for (const condition of document.conditions) {
    if (condition.op === "content-length-range") {
      minBytes = Math.max(minBytes, condition.min);
      maxBytes = Math.min(maxBytes, condition.max);
      continue;
    }
    covered.add(condition.field);
    const value = values.get(condition.field) ?? "";
    const ok =
      condition.op === "eq"
        ? value === condition.value
        : condition.field === "content-type"
          ? value.split(",").every((type) => type.trim().startsWith(condition.value))
          : value.startsWith(condition.value);
    if (!ok) throw policyFailed(condition.source);
  }
  const extra = [...form.fields.entries()]
    .filter(([name]) => !covered.has(name) && !isExempt(name))
    .map(([, entry]) => entry.name);
  if (extra.length > 0)
    throw accessDenied(`Invalid according to Policy: Extra input fields: ${extra.join(", ")}`);

  const metadata: Record<string, string> = {};
  const headers: Record<string, string> = {};
  for (const [name, entry] of form.fields) {
    if (name.startsWith("x-amz-meta-")) metadata[name.slice("x-amz-meta-".length)] = entry.value;
    if (STORED_HEADERS.includes(name)) headers[name] = entry.value;
  }
  const status = field(form, "success_action_status");
  return {
    key: objectKey,
    minBytes,
    maxBytes,
    // Without a Content-Type field S3 stores binary/octet-stream; the file part's own type is not used.
    attributes: { contentType: field(form, "content-type") ?? "binary/octet-stream", metadata, headers },
    successStatus: status === "200" ? 200 : status === "201" ? 201 : 204,
    successRedirect: field(form, "success_action_redirect") ?? field(form, "redirect"),
    accessKeyId: scope.accessKeyId,
  };
}

type Condition =
  | { op: "eq" | "starts-with"; field: string; value: string; source: unknown[] }
  | { op: "content-length-range"; min: number; max: number; source: unknown[] };

interface PolicyDocument {
  expiration: number;
  conditions: Condition[];
}

/** Decodes the base64 policy; a shape S3 would refuse is InvalidPolicyDocument, not a silent pass. */
export function parsePolicy(base64: string): PolicyDocument {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(base64, "base64").toString("utf8"));
  } catch {
    throw invalidPolicy("Invalid JSON.");
  }
  if (typeof document !== "object" || document === null) throw invalidPolicy("Invalid JSON.");
  const { expiration, conditions } = document as { expiration?: unknown; conditions?: unknown };
  if (typeof expiration !== "string") throw invalidPolicy("Missing expiration.");
  const expiresAt = Date.parse(expiration);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(expiration) || Number.isNaN(expiresAt))
    throw invalidPolicy("Invalid expiration.");
  if (!Array.isArray(conditions)) throw invalidPolicy("Missing conditions.");
  return { expiration: expiresAt, conditions: conditions.map(parseCondition) };
}

function parseCondition(condition: unknown): Condition {
  if (Array.isArray(condition)) {
    const [op, name, value] = condition as unknown[];
    if (condition.length !== 3) throw invalidPolicy(`Invalid Condition: ${JSON.stringify(condition)}`);
    if (typeof op === "string" && op.toLowerCase() === "content-length-range") {
      if (!Number.isSafeInteger(name) || !Number.isSafeInteger(value) || (name as number) < 0) {
        throw invalidPolicy("Invalid content-length-range: the bounds must be non-negative integers.");
      }
      return { op: "content-length-range", min: name as number, max: value as number, source: condition };
    }
    const kind = typeof op === "string" ? op.toLowerCase() : "";
    if (
      (kind !== "eq" && kind !== "starts-with") ||
      typeof name !== "string" ||
      !name.startsWith("$") ||
      typeof value !== "string"
    ) {
      throw invalidPolicy(`Invalid Condition: ${JSON.stringify(condition)}`);
    }
    return { op: kind, field: name.slice(1).toLowerCase(), value, source: condition };
  }
  if (typeof condition === "object" && condition !== null) {
    const entries = Object.entries(condition);
    const [entry] = entries;
    if (entries.length !== 1 || !entry) {
      throw invalidPolicy(
        "Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.",
      );
    }
    const [name, value] = entry;
    if (typeof value !== "string")
      throw invalidPolicy(`Invalid Simple-Condition: ${JSON.stringify(condition)}`);
    return { op: "eq", field: name.toLowerCase(), value, source: ["eq", `$${name}`, value] };
  }
  throw invalidPolicy(`Invalid Condition: ${JSON.stringify(condition)}`);
}
