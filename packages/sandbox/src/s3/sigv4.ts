import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { accessDenied, invalidAccessKeyId, S3Error, signatureDoesNotMatch } from "./errors.ts";

/** The one key pair the store accepts (the sandbox's, from its home). */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export const ALGORITHM = "AWS4-HMAC-SHA256";
/** S3 refuses a header-signed request whose x-amz-date is further than this from its clock. */
const MAX_SKEW_MS = 15 * 60_000;
/** Presigned URLs live at most a week (X-Amz-Expires ≤ 604800). */
const MAX_PRESIGN_SECONDS = 604_800;

export const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

/** SigV4's signing key: HMAC chain over date (YYYYMMDD), region, service and `aws4_request`. */
export function signingKey(secret: string, date: string, region: string, service = "s3"): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request");
}

export const hmacHex = (key: Buffer, data: string) =>
  createHmac("sha256", key).update(data, "utf8").digest("hex");

/** Compares two signatures in constant time (hex strings of any length). */
export function sameSignature(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

/** RFC 3986 encoding, as SigV4's canonical query string wants it (encodeURIComponent leaves !'()*). */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** The query's parameters, decoded, in order (a name without `=` has the value ""). */
export function parseQuery(rawQuery: string): [string, string][] {
  if (rawQuery === "") return [];
  return rawQuery.split("&").map((pair) => {
    const eq = pair.indexOf("=");
    return eq < 0
      ? [decodeQueryPart(pair), ""]
      : [decodeQueryPart(pair.slice(0, eq)), decodeQueryPart(pair.slice(eq + 1))];
  });
}

function canonicalQuery(params: [string, string][]): string {
  return params
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

function canonicalHeaders(req: IncomingMessage, signed: string[]): string {
  return signed
    .map((name) => {
      const values = req.headersDistinct[name] ?? [];
      return `${name}:${values.map((v) => v.trim().replace(/\s+/g, " ")).join(",")}\n`;
    })
    .join("");
}

/** `YYYYMMDD'T'HHMMSS'Z'` → epoch ms, or NaN. */
export function parseAmzDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

/** `AKID/YYYYMMDD/region/s3/aws4_request`. */
export function parseCredential(value: string, where: string): CredentialScope {
  const parts = value.split("/");
  const [accessKeyId, date, region, service, terminal] = parts;
  if (parts.length !== 5 || !accessKeyId || !date || !region || !service || terminal !== "aws4_request") {
    throw new S3Error(
      400,
      where === "header" ? "AuthorizationHeaderMalformed" : "AuthorizationQueryParametersError",
      `The ${where === "header" ? "authorization header" : "credential"} is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`,
    );
  }
  return { accessKeyId, date, region, service };
}

/** Checks the scope names our key, our region and S3, and returns the key to verify with. */
export function scopeSigningKey(scope: CredentialScope, credentials: S3Credentials, region: string): Buffer {
  if (scope.accessKeyId !== credentials.accessKeyId) throw invalidAccessKeyId(scope.accessKeyId);
  if (scope.region !== region) {
    throw new S3Error(
      400,
      "AuthorizationHeaderMalformed",
      `The authorization header is malformed; the region '${scope.region}' is wrong; expecting '${region}'`,
      { Region: region },
    );
  }
  if (scope.service !== "s3") {
    throw new S3Error(
      400,
      "AuthorizationHeaderMalformed",
      `The authorization header is malformed; incorrect service "${scope.service}". This endpoint belongs to "s3".`,
    );
  }
  return signingKey(credentials.secretAccessKey, scope.date, scope.region, scope.service);
}

/** What a verified request promised about its body (`x-amz-content-sha256`). */
export interface VerifiedRequest {
  accessKeyId: string;
  /** A hex SHA-256 to check the body against, `UNSIGNED-PAYLOAD`, or a `STREAMING-…` mode. */
  payloadHash: string;
}

export interface RequestTarget {
  method: string;
  /** The path exactly as sent (S3 signs it without normalizing or re-encoding it). */
  rawPath: string;
  query: [string, string][];
}

/**
 * Verifies SigV4 on a request signed in the `Authorization` header or presigned in the query, as S3 does:
 * our access key, our region, a clock skew of at most 15 minutes (or an unexpired presigned URL), and the
 * signature over the canonical request. Anonymous requests are refused: every bucket here is private.
 */
export function verifyRequest(
  req: IncomingMessage,
  target: RequestTarget,
  credentials: S3Credentials,
  region: string,
  now: number,
): VerifiedRequest {
  const authorization = req.headers.authorization;
  const queryMap = new Map(target.query);
  if (authorization !== undefined)
    return verifyHeaderAuth(req, target, authorization, credentials, region, now);
  if (queryMap.has("X-Amz-Signature"))
    return verifyPresigned(req, target, queryMap, credentials, region, now);
  throw accessDenied();
}

function verifyHeaderAuth(
  req: IncomingMessage,
  target: RequestTarget,
  authorization: string,
  credentials: S3Credentials,
  region: string,
  now: number,
): VerifiedRequest {
  if (!authorization.startsWith(`${ALGORITHM} `)) {
    throw new S3Error(
      400,
      "InvalidRequest",
      "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
    );
  }
  const fields = new Map<string, string>();
  for (const part of authorization.slice(ALGORITHM.length + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!credential || !signedHeaders || !signature) {
    throw new S3Error(
      400,
      "AuthorizationHeaderMalformed",
      "The authorization header is malformed; it must contain Credential, SignedHeaders and Signature.",
    );
  }
  const scope = parseCredential(credential, "header");
  const key = scopeSigningKey(scope, credentials, region);
  const amzDate = req.headers["x-amz-date"];
  const time = typeof amzDate === "string" ? parseAmzDate(amzDate) : Number.NaN;
  if (typeof amzDate !== "string" || Number.isNaN(time)) {
    throw accessDenied("AWS authentication requires a valid Date or x-amz-date header");
  }
  if (Math.abs(now - time) > MAX_SKEW_MS) {
    throw new S3Error(
      403,
      "RequestTimeTooSkewed",
      "The difference between the request time and the current time is too large.",
      { RequestTime: amzDate, ServerTime: new Date(now).toISOString() },
    );
  }
  const payloadHash = req.headers["x-amz-content-sha256"];
  if (typeof payloadHash !== "string") {
    throw new S3Error(
      400,
      "InvalidRequest",
      "Missing required header for this request: x-amz-content-sha256",
    );
  }
  checkSignature(req, target, target.query, signedHeaders, payloadHash, amzDate, scope, key, signature);
  return { accessKeyId: scope.accessKeyId, payloadHash };
}

function verifyPresigned(
  req: IncomingMessage,
  target: RequestTarget,
  query: Map<string, string>,
  credentials: S3Credentials,
  region: string,
  now: number,
): VerifiedRequest {
  const missing = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
  ].filter((name) => !query.has(name));
  if (missing.length > 0) {
    throw new S3Error(
      400,
      "AuthorizationQueryParametersError",
      `Query-string authentication version 4 requires the ${missing.join(", ")} parameters.`,
    );
  }
  if (query.get("X-Amz-Algorithm") !== ALGORITHM) {
    throw new S3Error(
      400,
      "AuthorizationQueryParametersError",
      'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
    );
  }
  const scope = parseCredential(query.get("X-Amz-Credential") ?? "", "query");
  const key = scopeSigningKey(scope, credentials, region);
  const amzDate = query.get("X-Amz-Date") ?? "";
  const time = parseAmzDate(amzDate);
  const expires = Number(query.get("X-Amz-Expires"));
  if (Number.isNaN(time) || !Number.isInteger(expires) || expires < 0) {
    throw new S3Error(400, "AuthorizationQueryParametersError", "X-Amz-Date or X-Amz-Expires is not valid.");
  }
  if (expires > MAX_PRESIGN_SECONDS) {
    throw new S3Error(
      400,
      "AuthorizationQueryParametersError",
      "X-Amz-Expires must be less than a week (in seconds) that is; 604800",
    );
  }
  if (now > time + expires * 1000) {
    throw new S3Error(403, "AccessDenied", "Request has expired", {
      Expires: new Date(time + expires * 1000).toISOString(),
      ServerTime: new Date(now).toISOString(),
    });
  }
  const header = req.headers["x-amz-content-sha256"];
  const payloadHash =
    query.get("X-Amz-Content-Sha256") ?? (typeof header === "string" ? header : "UNSIGNED-PAYLOAD");
  const params = target.query.filter(([name]) => name !== "X-Amz-Signature");
  checkSignature(
    req,
    target,
    params,
    query.get("X-Amz-SignedHeaders") ?? "",
    payloadHash,
    amzDate,
    scope,
    key,
    query.get("X-Amz-Signature") ?? "",
  );
  return { accessKeyId: scope.accessKeyId, payloadHash };
}

function checkSignature(
  req: IncomingMessage,
  target: RequestTarget,
  params: [string, string][],
  signedHeaders: string,
  payloadHash: string,
  amzDate: string,
  scope: CredentialScope,
  key: Buffer,
  provided: string,
): void {
  const signed = signedHeaders.split(";");
  if (!signed.includes("host")) {
    throw new S3Error(400, "AuthorizationHeaderMalformed", "The host header must be signed.");
  }
  const canonicalRequest = [
    target.method,
    target.rawPath,
    canonicalQuery(params),
    canonicalHeaders(req, signed),
    signedHeaders,
    payloadHash,
  ].join("\n");
  const stringToSign = [
    ALGORITHM,
    amzDate,
    `${scope.date}/${scope.region}/${scope.service}/aws4_request`,
    sha256Hex(canonicalRequest),
  ].join("\n");
  if (!sameSignature(hmacHex(key, stringToSign), provided)) {
    // S3 returns what it signed, which is what a developer needs to find the difference.
    throw signatureDoesNotMatch({
      AWSAccessKeyId: scope.accessKeyId,
      StringToSign: stringToSign,
      SignatureProvided: provided,
      CanonicalRequest: canonicalRequest,
    });
  }
}
