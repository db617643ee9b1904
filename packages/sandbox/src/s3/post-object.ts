import { Readable } from "node:stream";
import busboy from "busboy";
import { keyPath, type StoreContext } from "./context.ts";
import { entityTooSmall, invalidArgument, S3Error } from "./errors.ts";
import { type Exchange, sendEmpty, sendError, sendXml } from "./exchange.ts";
import type { ReceivedBody } from "./file-store.ts";
import { requireBucket } from "./operations.ts";
import { type AcceptedPost, acceptPost, type PostForm } from "./post-policy.ts";
import { elements, XML_DECLARATION } from "./xml.ts";

/** S3 refuses a form whose fields before the file pass 20 KB (MaxPostPreDataLengthExceeded). */
const MAX_PRE_DATA = 20 * 1024;

const asS3Error = (error: unknown, onError: (error: unknown) => void) => {
  if (error instanceof S3Error) return error;
  onError(error);
  return new S3Error(500, "InternalError", "We encountered an internal error. Please try again.");
};

/**
 * A browser's POST Object (multipart/form-data): the fields before `file` are collected; at the `file`
 * part the policy is checked (post-policy.ts) before a byte is written; the file then streams to disk and
 * is stopped, answered 400 EntityTooLarge and its connection closed as soon as it passes the policy's
 * `content-length-range`. It becomes the object when the form has ended (a client that leaves before
 * stores nothing); what follows the file part is ignored, as by S3.
 */
export function postObject(
  ctx: StoreContext,
  ex: Exchange,
  onError: (error: unknown) => void,
): Promise<void> {
  requireBucket(ctx, ex.bucket);
  const { req } = ex;
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      limits: { fieldSize: MAX_PRE_DATA, fields: 100, parts: 200, fieldNameSize: 200 },
    });
  } catch {
    throw new S3Error(
      412,
      "PreconditionFailed",
      "At least one of the pre-conditions you specified did not hold",
      {
        Condition: "Bucket POST must be of the enclosure-type multipart/form-data",
      },
    );
  }
  return new Promise<void>((resolve) => {
    const fields: PostForm["fields"] = new Map();
    let preData = 0;
    let fileSeen = false;
    let settled = false;
    let parsed = false;
    // The file, received and checked, waiting for the end of the form before it becomes the object.
    let received: { body: ReceivedBody; accepted: AcceptedPost } | undefined;

    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      // Ends a file still streaming (its temporary file is removed by the store).
      parser.destroy();
      if (received) ctx.store.discard(received.body);
      sendError(ex, asS3Error(error, onError));
      resolve();
    };
    const finish = () => {
      if (settled || !parsed || !received) return;
      settled = true;
      try {
        reply(received.body, received.accepted);
      } catch (error) {
        ctx.store.discard(received.body);
        sendError(ex, asS3Error(error, onError));
      }
      resolve();
    };
    const reply = (body: ReceivedBody, accepted: AcceptedPost) => {
      const object = ctx.store.commit(ex.bucket, accepted.key, body, accepted.attributes);
      const location = `${ctx.endpoint}/${ex.bucket}/${keyPath(object.key)}`;
      if (accepted.successRedirect && URL.canParse(accepted.successRedirect)) {
        const target = new URL(accepted.successRedirect);
        target.searchParams.set("bucket", ex.bucket);
        target.searchParams.set("key", object.key);
        target.searchParams.set("etag", object.etag);
        sendEmpty(ex, 303, { location: target.href, etag: object.etag });
      } else if (accepted.successStatus === 201) {
        const xml = elements({ Location: location, Bucket: ex.bucket, Key: object.key, ETag: object.etag });
        sendXml(ex, 201, `${XML_DECLARATION}<PostResponse>${xml}</PostResponse>`, {
          etag: object.etag,
          location,
        });
      } else {
        sendEmpty(ex, accepted.successStatus, { etag: object.etag, location });
      }
      ctx.notifier.notify({
        eventName: "ObjectCreated:Post",
        region: ctx.region,
        bucket: ex.bucket,
        key: object.key,
        size: object.size,
        etag: object.etag,
        principalId: accepted.accessKeyId,
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        requestId: ex.requestId,
        hostId: ex.hostId,
        time: new Date(ctx.now()),
      });
    };

    const upload = async (file: Readable, filename: string) => {
      try {
        const accepted = acceptPost(
          { fields, bucket: ex.bucket, filename },
          ctx.credentials,
          ctx.region,
          ctx.now(),
        );
        const body = await ctx.store.receive(file, accepted.maxBytes);
        if (settled) {
          ctx.store.discard(body); // the request failed meanwhile (the client left): store nothing
          return;
        }
        if (body.size < accepted.minBytes) {
          ctx.store.discard(body);
          throw entityTooSmall(body.size, accepted.minBytes);
        }
        received = { body, accepted };
        finish();
      } catch (error) {
        fail(error);
      }
    };

    parser.on("field", (name, value, info) => {
      if (settled || fileSeen) return;
      const lower = name.toLowerCase();
      if (lower === "file") {
        // A file part without a filename (`curl -F file=<text`) arrives as a field: its value is the file.
        fileSeen = true;
        void upload(Readable.from([Buffer.from(value, "utf8")]), "");
        return;
      }
      preData += name.length + value.length;
      if (info.valueTruncated || preData > MAX_PRE_DATA) {
        fail(
          new S3Error(
            400,
            "MaxPostPreDataLengthExceeded",
            "Your POST request fields preceding the upload file were too large.",
          ),
        );
        return;
      }
      if (fields.has(lower)) {
        // S3's answer to a repeated field is not documented; taking either value could bypass a condition.
        fail(invalidArgument(`The form field '${name}' is given more than once.`, name, value));
        return;
      }
      fields.set(lower, { name, value });
    });
    parser.on("file", (name, stream, info) => {
      // Its failures reach us through the store's pipeline, or not at all when we never read it.
      stream.on("error", () => {});
      if (settled || fileSeen || name.toLowerCase() !== "file") {
        stream.resume();
        return;
      }
      fileSeen = true;
      void upload(stream, info.filename ?? "");
    });
    parser.on("error", fail);
    parser.on("close", () => {
      parsed = true;
      if (!fileSeen) fail(invalidArgument("POST requires exactly one file upload per request.", "file", "0"));
      else finish();
    });
    // The client went away mid-form: nothing is stored, nothing is left in .tmp.
    const abandoned = () =>
      fail(new S3Error(400, "IncompleteBody", "The request body ended before the form did."));
    req.on("error", abandoned);
    req.on("close", () => {
      if (!req.complete) abandoned();
    });
    req.pipe(parser);
  });
}
