import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StoreContext } from "./context.ts";
import { applyCors } from "./cors.ts";
import { notImplemented, S3Error } from "./errors.ts";
import { type ObjectCreatedListener, ObjectCreatedNotifier } from "./events.ts";
import { type Exchange, exchangeOf, sendError } from "./exchange.ts";
import { FileObjectStore } from "./file-store.ts";
import {
  createBucket,
  deleteObject,
  deleteObjects,
  getObject,
  headBucket,
  listBuckets,
  listObjectsV2,
  putObject,
} from "./operations.ts";
import { resolveS3StoreOptions, type S3StoreOptions } from "./options.ts";
import { postObject } from "./post-object.ts";
import { verifyRequest } from "./sigv4.ts";

export interface S3Store {
  /** `http://127.0.0.1:<port>`: give it to S3Client as `endpoint` with `forcePathStyle: true`. */
  endpoint: string;
  port: number;
  region: string;
  dataDir: string;
  /**
   * Calls `listener` with an S3 event record (`Records[]` entry, `ObjectCreated:Put` / `:Post`) after each
   * object is created, as S3 notifications would; returns the function that removes it. The sandbox's
   * event runner attaches here.
   */
  onObjectCreated(listener: ObjectCreatedListener): () => void;
  stop(): Promise<void>;
}

/** Query parameters each kind of request may carry; any other sub-resource (?acl, ?uploads…) is a 501. */
const OBJECT_PARAMS = /^(x-id|x-amz-.*|response-.*)$/i;
const BUCKET_PARAMS =
  /^(x-id|x-amz-.*|list-type|prefix|delimiter|max-keys|continuation-token|start-after|encoding-type|fetch-owner|delete)$/i;

function rejectUnknownParams(ex: Exchange, allowed: RegExp): void {
  const unknown = ex.query.find(([name]) => !allowed.test(name));
  if (unknown) throw notImplemented(`?${unknown[0]}`);
}

const methodNotAllowed = () =>
  new S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");

async function dispatch(ctx: StoreContext, ex: Exchange, onError: (error: unknown) => void): Promise<void> {
  if (!ex.validUri) throw new S3Error(400, "InvalidURI", "Couldn't parse the specified URI.");
  const { method } = ex;
  const contentType = ex.req.headers["content-type"] ?? "";
  // A browser POST carries its credentials in the form, not in headers: the policy check is its auth.
  if (method === "POST" && ex.bucket && !ex.key && !ex.params.has("delete")) {
    rejectUnknownParams(ex, /^x-id$/);
    if (!/^multipart\/form-data/i.test(contentType)) {
      throw new S3Error(
        412,
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
        {
          Condition: "Bucket POST must be of the enclosure-type multipart/form-data",
        },
      );
    }
    return postObject(ctx, ex, onError);
  }
  const auth = verifyRequest(ex.req, ex, ctx.credentials, ctx.region, ctx.now());
  if (!ex.bucket) {
    if (method === "GET") return listBuckets(ctx, ex);
    throw methodNotAllowed();
  }
  if (!ex.key) {
    rejectUnknownParams(ex, BUCKET_PARAMS);
    if (method === "PUT") return createBucket(ctx, ex);
    if (method === "HEAD") return headBucket(ctx, ex);
    if (method === "GET" && ex.params.get("list-type") === "2") return listObjectsV2(ctx, ex);
    if (method === "GET") throw notImplemented("ListObjects (v1): use ListObjectsV2");
    if (method === "POST") return deleteObjects(ctx, ex, auth);
    throw methodNotAllowed();
  }
  rejectUnknownParams(ex, OBJECT_PARAMS);
  if (method === "PUT") return putObject(ctx, ex, auth);
  if (method === "GET" || method === "HEAD") return getObject(ctx, ex);
  if (method === "DELETE") return deleteObject(ctx, ex);
  throw methodNotAllowed();
}

/**
 * Starts the sandbox's S3-compatible store on 127.0.0.1.
 *
 * Why its own port and not a path under the sandbox's HTTP server: path-style S3 puts the bucket first in
 * the path (`/<bucket>/<key>`), SDK clients sign that path with `endpoint` + `forcePathStyle: true`, and
 * presigned POSTs go to `<endpoint>/<bucket>`. Under the API's server the store would need a path prefix
 * that every client and policy would have to carry, and it would share the app's middleware, body limits
 * and request timeouts, which an upload must not. A port of its own is what DynamoDB Local does too.
 *
 * Why our own store and not s3rver: see docs/decisions/0017-sandbox-s3-store.md (neither s3rver 3.7.1 nor
 * @20minutes/s3rver 4.0.4 verifies what S3 verifies, and POST policies must be enforced by us anyway).
 *
 * @example
 * const s3 = await startS3Store({ credentials, dataDir: join(home, "s3"), buckets: ["images"] });
 * const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: s3.region, credentials });
 */
export async function startS3Store(options: S3StoreOptions): Promise<S3Store> {
  const resolved = resolveS3StoreOptions(options);
  const onError =
    resolved.onError ?? ((error: unknown, where: string) => console.error(`s3 store: ${where}:`, error));
  const ownsDir = resolved.dataDir === undefined;
  const dataDir = resolved.dataDir ?? mkdtempSync(join(tmpdir(), "meridian-s3-"));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const store = new FileObjectStore(dataDir);
  for (const bucket of resolved.buckets) store.createBucket(bucket);
  const notifier = new ObjectCreatedNotifier(onError);
  const ctx: StoreContext = {
    store,
    credentials: resolved.credentials,
    region: resolved.region,
    endpoint: "",
    notifier,
    now: Date.now,
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const ex = exchangeOf(req, res);
    try {
      if (applyCors(resolved.cors, req, res)) return;
    } catch (error) {
      sendError(ex, error as S3Error);
      return;
    }
    dispatch(ctx, ex, (error) => onError(error, `${ex.method} ${ex.rawPath}`)).catch((error: unknown) => {
      if (!(error instanceof S3Error)) onError(error, `${ex.method} ${ex.rawPath}`);
      sendError(
        ex,
        error instanceof S3Error
          ? error
          : new S3Error(500, "InternalError", "We encountered an internal error. Please try again."),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(resolved.port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  ctx.endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint: ctx.endpoint,
    port,
    region: resolved.region,
    dataDir,
    onObjectCreated: (listener) => notifier.subscribe(listener),
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (ownsDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
