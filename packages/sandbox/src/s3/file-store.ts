import { createHash, randomUUID } from "node:crypto";
import { once } from "node:events";
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { type Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32 } from "node:zlib";
import { entityTooLarge } from "./errors.ts";

/** What S3 keeps with an object besides its bytes, and returns on GET/HEAD. */
export interface ObjectAttributes {
  contentType: string;
  /** `x-amz-meta-*` without the prefix, names lower-cased. */
  metadata: Record<string, string>;
  /** Stored representation headers: cache-control, content-disposition, content-encoding, content-language, expires. */
  headers: Record<string, string>;
}

export interface StoredObject extends ObjectAttributes {
  key: string;
  size: number;
  /** Quoted MD5 hex, as S3's ETag for a single-part upload. */
  etag: string;
  lastModified: string;
  /** Base64 CRC32 of the whole object (S3's FULL_OBJECT checksum), returned when a client asks for checksums. */
  crc32: string;
  /** The data file's name under the bucket's `data/`. */
  dataFile: string;
}

/** A body written to a temporary file, not yet an object. */
export interface ReceivedBody {
  path: string;
  size: number;
  md5Hex: string;
  sha256Hex: string;
  crc32Base64: string;
}

export interface BucketInfo {
  name: string;
  creationDate: string;
}

export interface ListOptions {
  prefix: string;
  /** List keys after this one (StartAfter, or where the previous page stopped). */
  startAfter: string;
  /** The previous page stopped at this common prefix: skip every key under it. */
  skipPrefix?: string;
  maxKeys: number;
  delimiter: string;
}

export interface ListResult {
  objects: StoredObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned, to continue after. */
  last: { key: string; isPrefix: boolean } | undefined;
}

/** Counts, hashes and limits what passes through; fails with EntityTooLarge as soon as it passes `maxBytes`. */
class Meter extends Transform {
  size = 0;
  private readonly md5 = createHash("md5");
  private readonly sha256 = createHash("sha256");
  private crc = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      // ProposedSize is what had arrived when the upload was stopped: the rest is never read.
      callback(entityTooLarge(this.size, this.maxBytes));
      return;
    }
    this.md5.update(chunk);
    this.sha256.update(chunk);
    this.crc = crc32(chunk, this.crc);
    callback(null, chunk);
  }

  digests() {
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(this.crc >>> 0);
    return {
      md5Hex: this.md5.digest("hex"),
      sha256Hex: this.sha256.digest("hex"),
      crc32Base64: crc.toString("base64"),
    };
  }
}

const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const keyHash = (key: string) => createHash("sha256").update(key).digest("hex");

/**
 * Buckets and objects on disk. Object keys may hold any character and be 1,024 bytes long, so files are
 * named by the SHA-256 of the key, never by the key: `<root>/<bucket>/objects/<sha>.json` is the sidecar
 * (key, content type, metadata, ETag, size, CRC32, data file) and `<root>/<bucket>/data/<sha>-<uuid>` the
 * bytes. A write streams to `<root>/.tmp/` (bucket names never start with a dot), is renamed to a data file
 * of its own, and only then does the sidecar's rename publish it: a reader sees the old object or the new
 * one, never half of one. The sidecars are read once at start into an index (one process owns a data
 * directory: the sandbox of that home).
 */
export class FileObjectStore {
  private readonly buckets = new Map<string, { info: BucketInfo; objects: Map<string, StoredObject> }>();
  private readonly tmpDir: string;

  constructor(readonly root: string) {
    this.tmpDir = join(root, ".tmp");
    rmSync(this.tmpDir, { recursive: true, force: true });
    mkdirSync(this.tmpDir, { recursive: true, mode: 0o700 });
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      const file = join(root, entry.name, "bucket.json");
      if (!existsSync(file)) continue;
      const objects = new Map<string, StoredObject>();
      const objectsDir = join(root, entry.name, "objects");
      for (const sidecar of existsSync(objectsDir) ? readdirSync(objectsDir) : []) {
        if (!sidecar.endsWith(".json")) continue;
        const object = JSON.parse(readFileSync(join(objectsDir, sidecar), "utf8")) as StoredObject;
        objects.set(object.key, object);
      }
      this.buckets.set(entry.name, { info: JSON.parse(readFileSync(file, "utf8")) as BucketInfo, objects });
    }
  }

  /** `false` when the bucket existed already. */
  createBucket(name: string, now = new Date()): boolean {
    if (this.buckets.has(name)) return false;
    const info: BucketInfo = { name, creationDate: now.toISOString() };
    mkdirSync(join(this.root, name, "objects"), { recursive: true });
    mkdirSync(join(this.root, name, "data"), { recursive: true });
    writeFileSync(join(this.root, name, "bucket.json"), `${JSON.stringify(info)}\n`);
    this.buckets.set(name, { info, objects: new Map() });
    return true;
  }

  hasBucket(name: string): boolean {
    return this.buckets.has(name);
  }

  listBuckets(): BucketInfo[] {
    return [...this.buckets.values()].map((b) => b.info).sort((a, b) => byUtf8(a.name, b.name));
  }

  /**
   * Streams `body` (through `decode`, when given) to a temporary file; rejects with EntityTooLarge, and
   * removes the file, as soon as more than `maxBytes` have passed.
   */
  async receive(body: Readable, maxBytes: number, decode?: Transform): Promise<ReceivedBody> {
    const path = join(this.tmpDir, randomUUID());
    const meter = new Meter(maxBytes);
    const out = createWriteStream(path, { mode: 0o600 });
    try {
      await (decode ? pipeline(body, decode, meter, out) : pipeline(body, meter, out));
    } catch (error) {
      // A write stream destroyed before its (asynchronous) open still creates the file: wait for its close.
      if (!out.closed) await once(out, "close").catch(() => {});
      rmSync(path, { force: true });
      throw error;
    }
    return { path, size: meter.size, ...meter.digests() };
  }

  discard(body: ReceivedBody): void {
    rmSync(body.path, { force: true });
  }

  /** Publishes a received body as `bucket/key`, replacing any object of that key. */
  commit(bucket: string, key: string, body: ReceivedBody, attributes: ObjectAttributes, now = new Date()) {
    const objects = this.objectsOf(bucket);
    const hash = keyHash(key);
    const dataFile = `${hash}-${randomUUID()}`;
    renameSync(body.path, join(this.root, bucket, "data", dataFile));
    const object: StoredObject = {
      key,
      size: body.size,
      etag: `"${body.md5Hex}"`,
      lastModified: new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString(),
      crc32: body.crc32Base64,
      dataFile,
      ...attributes,
    };
    const sidecarTmp = join(this.tmpDir, `${dataFile}.json`);
    writeFileSync(sidecarTmp, `${JSON.stringify(object)}\n`);
    renameSync(sidecarTmp, join(this.root, bucket, "objects", `${hash}.json`));
    const previous = objects.get(key);
    objects.set(key, object);
    if (previous) this.removeData(bucket, previous);
    return object;
  }

  head(bucket: string, key: string): StoredObject | undefined {
    return this.objectsOf(bucket).get(key);
  }

  /** Opens the object's data file now, so that a concurrent overwrite cannot pull it away mid-read. */
  openData(bucket: string, object: StoredObject): number {
    return openSync(join(this.root, bucket, "data", object.dataFile), "r");
  }

  /** `true` when there was an object to delete. */
  delete(bucket: string, key: string): boolean {
    const objects = this.objectsOf(bucket);
    const object = objects.get(key);
    if (!object) return false;
    rmSync(join(this.root, bucket, "objects", `${keyHash(key)}.json`), { force: true });
    objects.delete(key);
    this.removeData(bucket, object);
    return true;
  }

  /** Keys in UTF-8 byte order (as S3 lists them), grouped by `delimiter` into common prefixes. */
  list(bucket: string, options: ListOptions): ListResult {
    const keys = [...this.objectsOf(bucket).keys()]
      .filter(
        (key) =>
          key.startsWith(options.prefix) &&
          byUtf8(key, options.startAfter) > 0 &&
          !(options.skipPrefix && key.startsWith(options.skipPrefix)),
      )
      .sort(byUtf8);
    const objects: StoredObject[] = [];
    const commonPrefixes: string[] = [];
    let last: ListResult["last"];
    for (const key of keys) {
      const cut = options.delimiter ? key.indexOf(options.delimiter, options.prefix.length) : -1;
      const prefix = cut >= 0 ? key.slice(0, cut + options.delimiter.length) : undefined;
      if (prefix !== undefined && prefix === commonPrefixes.at(-1)) continue;
      if (objects.length + commonPrefixes.length >= options.maxKeys)
        return { objects, commonPrefixes, isTruncated: true, last };
      if (prefix !== undefined) {
        commonPrefixes.push(prefix);
        last = { key: prefix, isPrefix: true };
      } else {
        const object = this.objectsOf(bucket).get(key);
        if (object) objects.push(object);
        last = { key, isPrefix: false };
      }
    }
    return { objects, commonPrefixes, isTruncated: false, last };
  }

  private objectsOf(bucket: string): Map<string, StoredObject> {
    const entry = this.buckets.get(bucket);
    if (!entry) throw new Error(`no bucket ${bucket}`);
    return entry.objects;
  }

  private removeData(bucket: string, object: StoredObject): void {
    // An open reader keeps its file (POSIX); where the OS refuses, the file stays until the next delete.
    try {
      rmSync(join(this.root, bucket, "data", object.dataFile), { force: true });
    } catch {}
  }
}
