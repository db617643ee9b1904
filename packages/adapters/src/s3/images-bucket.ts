import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import {
  BUDGETS,
  type CallBudget,
  DependencyUnavailableError,
  type ImageObjects,
  type UploadSigner,
} from "@meridian/core";
import { clientBudget } from "../aws/budget.ts";
import { UPLOAD_TAGGING } from "./upload-tag.ts";

export interface ImagesBucketOptions {
  bucket: string;
  region?: string;
  /** The sandbox's S3 store; unset in AWS. */
  endpoint?: string;
  /** What to sign with at `endpoint` (the sandbox's key); in AWS the function's role. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Timeouts and retries of every call (BUDGETS); default the tooling's. */
  budget?: CallBudget;
  instrument?: (client: S3Client) => S3Client;
}

/** One S3 client per process, for the images bucket: path-style against a local endpoint. */
export function createImagesS3Client(options: ImagesBucketOptions): S3Client {
  const config: S3ClientConfig = { ...clientBudget(options.budget ?? BUDGETS.tooling.call) };
  if (options.region) config.region = options.region;
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    config.forcePathStyle = true;
    config.region = options.region ?? "us-east-1";
    if (options.credentials) config.credentials = { ...options.credentials };
  }
  const client = new S3Client(config);
  return options.instrument?.(client) ?? client;
}

/** A 5xx, throttling or a network failure of S3 is a 503 to our callers, like DynamoDB's. */
async function s3<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const e = error as { $fault?: string; $metadata?: { httpStatusCode?: number }; name?: string };
    const status = e.$metadata?.httpStatusCode;
    if (
      e.$fault === "server" ||
      status === undefined ||
      status >= 500 ||
      status === 429 ||
      e.name === "SlowDown"
    )
      throw new DependencyUnavailableError("object store", { cause: error });
    throw error;
  }
}

/**
 * The images bucket: signs browser uploads (a presigned POST whose policy fixes the key, the content type and
 * the size, as S3 enforces it) and reads, writes and deletes objects for the image processor.
 */
export class S3ImagesBucket implements UploadSigner, ImageObjects {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async presignPost(request: Parameters<UploadSigner["presignPost"]>[0]) {
    const { url, fields } = await createPresignedPost(this.client, {
      Bucket: this.bucket,
      Key: request.key,
      Conditions: [
        ["content-length-range", 1, request.maxBytes],
        ["eq", "$Content-Type", request.contentType],
        ["eq", "$tagging", UPLOAD_TAGGING],
      ],
      Fields: { "Content-Type": request.contentType, tagging: UPLOAD_TAGGING },
      Expires: request.expiresInSeconds,
    });
    return { url, fields };
  }

  async read(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await s3(() => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })));
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  async write(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    await s3(() =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: bytes,
          ContentType: contentType,
          // Renditions never change under their key: a CDN and browsers may keep them for a year.
          CacheControl: "public, max-age=31536000, immutable",
        }),
      ),
    );
  }

  async deletePrefix(prefix: string): Promise<void> {
    for (;;) {
      const listed = await s3(() =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, MaxKeys: 1000 })),
      );
      const keys = (listed.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (keys.length === 0) return;
      await s3(() =>
        this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys, Quiet: true } }),
        ),
      );
      if (!listed.IsTruncated) return;
    }
  }
}
