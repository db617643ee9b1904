import { createReadStream } from "node:fs";
import type { IncomingMessage } from "node:http";
import { AwsChunkedDecoder } from "./aws-chunked.ts";
import type { StoreContext } from "./context.ts";
import {
  badDigest,
  checkKeyLength,
  entityTooLarge,
  invalidArgument,
  malformedXml,
  noSuchBucket,
  noSuchKey,
  notImplemented,
  S3Error,
} from "./errors.ts";
import { type Exchange, sendEmpty, sendXml } from "./exchange.ts";
import type { ObjectAttributes, StoredObject } from "./file-store.ts";
import { MAX_UPLOAD_BYTES } from "./post-policy.ts";
import { sha256Hex, type VerifiedRequest } from "./sigv4.ts";
import { elements, S3_NAMESPACE, unescapeXml, XML_DECLARATION } from "./xml.ts";

const STORED_HEADERS = [
  "cache-control",
  "content-disposition",
  "content-encoding",
  "content-language",
  "expires",
];

/** S3's bucket naming rules (the general-purpose subset that matters here). */
const BUCKET_NAME = /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function requireBucket(ctx: StoreContext, bucket: string): void {
  if (!ctx.store.hasBucket(bucket)) throw noSuchBucket(bucket);
}

function requireObject(ctx: StoreContext, ex: Exchange): StoredObject {
  requireBucket(ctx, ex.bucket);
  const object = ctx.store.head(ex.bucket, ex.key);
  if (!object) throw noSuchKey(ex.key);
  return object;
}

export function listBuckets(ctx: StoreContext, ex: Exchange): void {
  const buckets = ctx.store
    .listBuckets()
    .map((b) => `<Bucket>${elements({ Name: b.name, CreationDate: b.creationDate })}</Bucket>`)
    .join("");
  sendXml(
    ex,
    200,
    `${XML_DECLARATION}<ListAllMyBucketsResult xmlns="${S3_NAMESPACE}"><Owner>${elements({ ID: "sandbox", DisplayName: "sandbox" })}</Owner><Buckets>${buckets}</Buckets></ListAllMyBucketsResult>`,
  );
}

export async function createBucket(ctx: StoreContext, ex: Exchange): Promise<void> {
  await readSmallBody(ex.req, 64 * 1024); // CreateBucketConfiguration: the region is ours anyway
  if (!BUCKET_NAME.test(ex.bucket)) {
    throw new S3Error(400, "InvalidBucketName", "The specified bucket is not valid.", {
      BucketName: ex.bucket,
    });
  }
  // As S3: in us-east-1 creating a bucket you own again succeeds; elsewhere it is a 409.
  if (!ctx.store.createBucket(ex.bucket) && ctx.region !== "us-east-1") {
    throw new S3Error(
      409,
      "BucketAlreadyOwnedByYou",
      "Your previous request to create the named bucket succeeded and you already own it.",
      { BucketName: ex.bucket },
    );
  }
  sendEmpty(ex, 200, { location: `/${ex.bucket}` });
}

export function headBucket(ctx: StoreContext, ex: Exchange): void {
  requireBucket(ctx, ex.bucket);
  sendEmpty(ex, 200, { "x-amz-bucket-region": ctx.region });
}

interface ContinuationToken {
  key: string;
  isPrefix: boolean;
}

function parseToken(token: string): ContinuationToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as ContinuationToken;
    if (typeof parsed.key === "string" && typeof parsed.isPrefix === "boolean") return parsed;
  } catch {}
  throw invalidArgument("The continuation token provided is incorrect", "continuation-token", token);
}

export function listObjectsV2(ctx: StoreContext, ex: Exchange): void {
  requireBucket(ctx, ex.bucket);
  const p = ex.params;
  const prefix = p.get("prefix") ?? "";
  const delimiter = p.get("delimiter") ?? "";
  const maxKeysText = p.get("max-keys") ?? "1000";
  const maxKeys = Number(maxKeysText);
  if (!/^\d+$/.test(maxKeysText))
    throw invalidArgument(
      "Provided max-keys not an integer or within integer range",
      "max-keys",
      maxKeysText,
    );
  const encodingType = p.get("encoding-type");
  if (encodingType !== undefined && encodingType !== "url") {
    throw invalidArgument("Invalid Encoding Method specified in Request", "encoding-type", encodingType);
  }
  const continuation = p.get("continuation-token");
  const token = continuation === undefined ? undefined : parseToken(continuation);
  const startAfter = p.get("start-after") ?? "";
  const after = token && token.key > startAfter ? token.key : startAfter;
  const result = ctx.store.list(ex.bucket, {
    prefix,
    delimiter,
    maxKeys: Math.min(maxKeys, 1000),
    startAfter: after,
    skipPrefix: token?.isPrefix ? token.key : undefined,
  });
  const enc = (text: string) => (encodingType === "url" ? encodeURIComponent(text) : text);
  const contents = result.objects
    .map(
      (o) =>
        `<Contents>${elements({ Key: enc(o.key), LastModified: o.lastModified, ETag: o.etag, Size: o.size, StorageClass: "STANDARD" })}</Contents>`,
    )
    .join("");
  const prefixes = result.commonPrefixes
    .map((cp) => `<CommonPrefixes>${elements({ Prefix: enc(cp) })}</CommonPrefixes>`)
    .join("");
  const next =
    result.isTruncated && result.last
      ? Buffer.from(JSON.stringify(result.last satisfies ContinuationToken)).toString("base64url")
      : undefined;
  const head = elements({
    Name: ex.bucket,
    Prefix: enc(prefix),
    Delimiter: delimiter ? enc(delimiter) : undefined,
    MaxKeys: maxKeys,
    KeyCount: result.objects.length + result.commonPrefixes.length,
    IsTruncated: result.isTruncated,
    ContinuationToken: continuation,
    NextContinuationToken: next,
    StartAfter: p.has("start-after") ? enc(startAfter) : undefined,
    EncodingType: encodingType,
  });
  sendXml(
    ex,
    200,
    `${XML_DECLARATION}<ListBucketResult xmlns="${S3_NAMESPACE}">${head}${contents}${prefixes}</ListBucketResult>`,
  );
}

function attributesFromHeaders(req: IncomingMessage): ObjectAttributes {
  const metadata: Record<string, string> = {};
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value !== "string") continue;
    if (name.startsWith("x-amz-meta-")) metadata[name.slice("x-amz-meta-".length)] = value;
    else if (STORED_HEADERS.includes(name)) headers[name] = value;
  }
  // aws-chunked is how the body travelled, not how the object is encoded (S3 drops it too).
  const encoding = (headers["content-encoding"] ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e && e !== "aws-chunked");
  if (encoding.length > 0) headers["content-encoding"] = encoding.join(",");
  else delete headers["content-encoding"];
  return { contentType: req.headers["content-type"] ?? "binary/octet-stream", metadata, headers };
}

/**
 * PutObject: the body (plain, or aws-chunked with unsigned chunks and a checksum trailer, as SDK v3 sends
 * streams) goes to a temporary file while its SHA-256, MD5 and CRC32 are computed; it becomes the object
 * only when `x-amz-content-sha256`, `Content-MD5`, `x-amz-checksum-crc32` and the declared length agree.
 */
export async function putObject(ctx: StoreContext, ex: Exchange, auth: VerifiedRequest): Promise<void> {
  requireBucket(ctx, ex.bucket);
  checkKeyLength(ex.key);
  const { req } = ex;
  if (req.headers["x-amz-copy-source"] !== undefined) throw notImplemented("x-amz-copy-source");
  const chunked = auth.payloadHash.startsWith("STREAMING-");
  if (chunked && auth.payloadHash !== "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
    throw notImplemented("x-amz-content-sha256");
  const declared = chunked ? req.headers["x-amz-decoded-content-length"] : req.headers["content-length"];
  if (declared === undefined) {
    throw new S3Error(411, "MissingContentLength", "You must provide the Content-Length HTTP header.");
  }
  const length = Number(declared);
  if (length > MAX_UPLOAD_BYTES) throw entityTooLarge(length, MAX_UPLOAD_BYTES);
  const decoder = chunked ? new AwsChunkedDecoder() : undefined;
  const body = await ctx.store.receive(req, MAX_UPLOAD_BYTES, decoder);
  try {
    if (body.size !== length) {
      throw new S3Error(
        400,
        "IncompleteBody",
        "You did not provide the number of bytes specified by the Content-Length HTTP header",
      );
    }
    if (/^[0-9a-f]{64}$/.test(auth.payloadHash) && auth.payloadHash !== body.sha256Hex) {
      throw new S3Error(
        400,
        "XAmzContentSHA256Mismatch",
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        {
          ClientComputedContentSHA256: auth.payloadHash,
          S3ComputedContentSHA256: body.sha256Hex,
        },
      );
    }
    const md5 = req.headers["content-md5"];
    if (typeof md5 === "string" && Buffer.from(md5, "base64").toString("hex") !== body.md5Hex) {
      throw badDigest("The Content-MD5 you specified did not match what we received.");
    }
    const crc = req.headers["x-amz-checksum-crc32"] ?? decoder?.trailers.get("x-amz-checksum-crc32");
    if (typeof crc === "string" && crc !== body.crc32Base64) {
      throw badDigest("The CRC32 you specified did not match the calculated checksum.");
    }
    for (const name of decoder?.trailers.keys() ?? []) {
      if (name.startsWith("x-amz-checksum-") && name !== "x-amz-checksum-crc32") throw notImplemented(name);
    }
    const object = ctx.store.commit(ex.bucket, ex.key, body, attributesFromHeaders(req));
    sendEmpty(ex, 200, {
      etag: object.etag,
      ...(typeof crc === "string" ? { "x-amz-checksum-crc32": crc } : {}),
    });
    ctx.notifier.notify({
      eventName: "ObjectCreated:Put",
      region: ctx.region,
      bucket: ex.bucket,
      key: ex.key,
      size: object.size,
      etag: object.etag,
      principalId: auth.accessKeyId,
      sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
      requestId: ex.requestId,
      hostId: ex.hostId,
      time: new Date(ctx.now()),
    });
  } catch (error) {
    ctx.store.discard(body);
    throw error;
  }
}

const RESPONSE_OVERRIDES = [
  "content-type",
  "content-language",
  "expires",
  "cache-control",
  "content-disposition",
  "content-encoding",
];

function objectHeaders(object: StoredObject, ex: Exchange): Record<string, string | number> {
  const headers: Record<string, string | number> = {
    "content-type": object.contentType,
    etag: object.etag,
    "last-modified": new Date(object.lastModified).toUTCString(),
    "accept-ranges": "bytes",
    ...object.headers,
  };
  for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
  for (const name of RESPONSE_OVERRIDES) {
    const override = ex.params.get(`response-${name}`);
    if (override !== undefined) headers[name] = override;
  }
  return headers;
}

/** `bytes=a-b`, `bytes=a-` or `bytes=-n` → inclusive [start, end]; undefined for no (or an ignored) range. */
function parseRange(header: string | undefined, size: number): [number, number] | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined; // S3 ignores ranges it cannot parse (and multi-ranges)
  const unsatisfiable = new S3Error(416, "InvalidRange", "The requested range is not satisfiable", {
    RangeRequested: header,
    ActualObjectSize: size,
  });
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) throw unsatisfiable;
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) throw unsatisfiable;
  return [start, end];
}

/** GetObject and HeadObject, with a single byte range, If-Match / If-None-Match and response-* overrides. */
export function getObject(ctx: StoreContext, ex: Exchange): void {
  const object = requireObject(ctx, ex);
  const { req } = ex;
  const ifMatch = req.headers["if-match"];
  if (ifMatch !== undefined && ifMatch !== object.etag && ifMatch !== "*") {
    throw new S3Error(
      412,
      "PreconditionFailed",
      "At least one of the pre-conditions you specified did not hold",
      {
        Condition: "If-Match",
      },
    );
  }
  const ifNoneMatch = req.headers["if-none-match"];
  if (ifNoneMatch !== undefined && (ifNoneMatch === object.etag || ifNoneMatch === "*")) {
    ex.res.writeHead(304, {
      etag: object.etag,
      "last-modified": new Date(object.lastModified).toUTCString(),
    });
    ex.res.end();
    return;
  }
  let range: [number, number] | undefined;
  try {
    range = parseRange(req.headers.range, object.size);
  } catch (error) {
    ex.res.setHeader("content-range", `bytes */${object.size}`);
    throw error;
  }
  const headers = objectHeaders(object, ex);
  if (range) {
    headers["content-range"] = `bytes ${range[0]}-${range[1]}/${object.size}`;
    headers["content-length"] = range[1] - range[0] + 1;
  } else {
    headers["content-length"] = object.size;
    if (req.headers["x-amz-checksum-mode"] === "ENABLED") {
      headers["x-amz-checksum-crc32"] = object.crc32;
      headers["x-amz-checksum-type"] = "FULL_OBJECT";
    }
  }
  if (ex.method === "HEAD") {
    ex.res.writeHead(range ? 206 : 200, headers);
    ex.res.end();
    return;
  }
  const fd = ctx.store.openData(ex.bucket, object);
  ex.res.writeHead(range ? 206 : 200, headers);
  if (object.size === 0) {
    createReadStream("", { fd }).destroy();
    ex.res.end();
    return;
  }
  const stream = createReadStream("", { fd, start: range?.[0] ?? 0, end: range?.[1] ?? object.size - 1 });
  stream.on("error", () => ex.res.destroy());
  ex.res.on("close", () => stream.destroy());
  stream.pipe(ex.res);
}

export function deleteObject(ctx: StoreContext, ex: Exchange): void {
  requireBucket(ctx, ex.bucket);
  ctx.store.delete(ex.bucket, ex.key);
  sendEmpty(ex, 204);
}

async function readSmallBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new S3Error(400, "MaxMessageLengthExceeded", "Your request was too big.");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** DeleteObjects: up to 1,000 keys; a key that does not exist is reported deleted, as S3 does. */
export async function deleteObjects(ctx: StoreContext, ex: Exchange, auth: VerifiedRequest): Promise<void> {
  requireBucket(ctx, ex.bucket);
  const body = await readSmallBody(ex.req, 2 * 1024 * 1024);
  if (/^[0-9a-f]{64}$/.test(auth.payloadHash) && auth.payloadHash !== sha256Hex(body)) {
    throw new S3Error(
      400,
      "XAmzContentSHA256Mismatch",
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  }
  const xml = body.toString("utf8");
  if (!/<Delete[\s>]/.test(xml)) throw malformedXml();
  const keys = [...xml.matchAll(/<Object>([\s\S]*?)<\/Object>/g)].map((m) => {
    const key = /<Key>([\s\S]*?)<\/Key>/.exec(m[1] ?? "");
    if (!key) throw malformedXml();
    return unescapeXml(key[1] ?? "");
  });
  if (keys.length === 0 || keys.length > 1000) throw malformedXml();
  const quiet = /<Quiet>\s*true\s*<\/Quiet>/i.test(xml);
  for (const key of keys) ctx.store.delete(ex.bucket, key);
  const deleted = quiet ? "" : keys.map((key) => `<Deleted>${elements({ Key: key })}</Deleted>`).join("");
  sendXml(ex, 200, `${XML_DECLARATION}<DeleteResult xmlns="${S3_NAMESPACE}">${deleted}</DeleteResult>`);
}
