import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { S3EventRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type S3Store, startS3Store } from "../src/s3/index.ts";

const credentials = {
  accessKeyId: `mrd${randomBytes(6).toString("hex")}`,
  secretAccessKey: randomBytes(24).toString("base64url"),
};
const BUCKET = "images";
const MAX = 64 * 1024;

let dataDir: string;
let s3: S3Store;
let client: S3Client;
const events: S3EventRecord[] = [];

const clientWith = (creds: typeof credentials) =>
  new S3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: creds,
    maxAttempts: 1,
  });

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "s3-store-test-"));
  s3 = await startS3Store({ credentials, dataDir, buckets: [BUCKET] });
  s3.onObjectCreated((record) => events.push(record));
  client = clientWith(credentials);
});

afterAll(async () => {
  client.destroy();
  await s3.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The error an SDK call rejected with: its S3 code and HTTP status. */
async function sdkError(
  call: Promise<unknown>,
): Promise<{ code: string; status: number | undefined; message: string }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof S3ServiceException)) throw new Error(`expected an S3 error, got ${String(error)}`);
  return { code: error.name, status: error.$metadata.httpStatusCode, message: error.message };
}

/** An S3 XML error body's Code and Message. */
async function xmlError(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = await res.text();
  return {
    status: res.status,
    code: /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? `no code in ${body}`,
    message: (/<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? "")
      .replace(/&#34;/g, '"')
      .replace(/&#39;/g, "'"),
  };
}

/** What the API will hand out for one product image: key, type and size fixed by the policy. */
function presignImage(key: string, options: { expires?: number; contentType?: string } = {}) {
  const contentType = options.contentType ?? "image/png";
  return createPresignedPost(client, {
    Bucket: BUCKET,
    Key: key,
    Conditions: [
      ["content-length-range", 1, MAX],
      ["eq", "$Content-Type", contentType],
    ],
    Fields: { "Content-Type": contentType },
    Expires: options.expires ?? 300,
  });
}

/** A browser-style multipart POST: the fields, then the file last (as S3 requires). */
function postForm(url: string, fields: Record<string, string>, file: Blob, filename = "photo.png") {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append("file", file, filename);
  return fetch(url, { method: "POST", body: form });
}

const png = (size: number) => new Blob([Buffer.alloc(size, 7)], { type: "image/png" });

async function exists(key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return true;
  } catch (error) {
    if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return false;
    throw error;
  }
}

describe("the sandbox S3 store with the AWS SDK", () => {
  it("puts, gets (whole and a range), heads, lists by prefix and deletes objects", async () => {
    const put = await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: "products/p1/a b+c.txt",
        Body: "hello world",
        ContentType: "text/plain",
        CacheControl: "max-age=60",
        Metadata: { origin: "test" },
      }),
    );
    expect(put.ETag).toBe('"5eb63bbbe01eeed093cb22bb8f5acdc3"');

    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "products/p1/a b+c.txt" }));
    expect(await got.Body?.transformToString()).toBe("hello world");
    expect(got).toMatchObject({
      ContentType: "text/plain",
      CacheControl: "max-age=60",
      Metadata: { origin: "test" },
    });

    const range = await client.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: "products/p1/a b+c.txt", Range: "bytes=6-" }),
    );
    expect(range.$metadata.httpStatusCode).toBe(206);
    expect(range.ContentRange).toBe("bytes 6-10/11");
    // S3 notifies with the key URL-encoded as a form would: space → "+", "+" → "%2B".
    await expect
      .poll(() => events.find((e) => e.s3.object.key === "products/p1/a+b%2Bc.txt"))
      .toMatchObject({
        eventName: "ObjectCreated:Put",
        s3: { object: { size: 11, eTag: "5eb63bbbe01eeed093cb22bb8f5acdc3" } },
        userIdentity: { principalId: credentials.accessKeyId },
      });
    expect(await range.Body?.transformToString()).toBe("world");

    // A stream body: SDK v3 sends it aws-chunked with a CRC32 trailer.
    await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: "products/p1/streamed.bin",
        Body: Readable.from([Buffer.from("abc"), Buffer.from("defg")]),
        ContentLength: 7,
      }),
    );
    const head = await client.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: "products/p1/streamed.bin" }),
    );
    expect(head.ContentLength).toBe(7);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "products/p2/other.txt", Body: "x" }));

    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "products/p1/" }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([
      ["products/p1/a b+c.txt", 11],
      ["products/p1/streamed.bin", 7],
    ]);
    const grouped = await client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "products/", Delimiter: "/" }),
    );
    expect(grouped.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["products/p1/", "products/p2/"]);
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "products/", MaxKeys: 2 }),
    );
    expect(page.IsTruncated).toBe(true);
    const rest = await client.send(
      new ListObjectsV2Command({
        Bucket: BUCKET,
        Prefix: "products/",
        ContinuationToken: page.NextContinuationToken,
      }),
    );
    expect(rest.Contents?.map((o) => o.Key)).toEqual(["products/p2/other.txt"]);

    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "products/p1/a b+c.txt" }));
    expect(await exists("products/p1/a b+c.txt")).toBe(false);
    const deleted = await client.send(
      new DeleteObjectsCommand({
        Bucket: BUCKET,
        Delete: { Objects: [{ Key: "products/p1/streamed.bin" }, { Key: "products/p2/other.txt" }] },
      }),
    );
    expect(deleted.Deleted?.map((d) => d.Key)).toEqual(["products/p1/streamed.bin", "products/p2/other.txt"]);
    expect(
      (await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "products/" }))).KeyCount,
    ).toBe(0);

    expect(
      await sdkError(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "nothing" }))),
    ).toMatchObject({
      code: "NoSuchKey",
      status: 404,
    });
  });

  it("refuses a body that does not match its Content-MD5 or CRC32 with 400 BadDigest, and keeps the old object", async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "checked.txt", Body: "first" }));
    const wrongMd5 = Buffer.alloc(16).toString("base64");
    expect(
      await sdkError(
        client.send(
          new PutObjectCommand({ Bucket: BUCKET, Key: "checked.txt", Body: "second", ContentMD5: wrongMd5 }),
        ),
      ),
    ).toMatchObject({ code: "BadDigest", status: 400 });
    expect(
      await sdkError(
        client.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: "checked.txt",
            Body: "second",
            ChecksumCRC32: "AAAAAA==",
          }),
        ),
      ),
    ).toMatchObject({ code: "BadDigest", status: 400 });
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "checked.txt" }));
    expect(await got.Body?.transformToString()).toBe("first");
  });

  it("creates buckets and answers HeadBucket, 404 for a bucket that does not exist", async () => {
    await client.send(new CreateBucketCommand({ Bucket: "renditions" }));
    expect(
      (await client.send(new HeadBucketCommand({ Bucket: "renditions" }))).$metadata.httpStatusCode,
    ).toBe(200);
    expect((await sdkError(client.send(new HeadBucketCommand({ Bucket: "missing-bucket" })))).status).toBe(
      404,
    );
    expect(
      await sdkError(client.send(new PutObjectCommand({ Bucket: "missing-bucket", Key: "k", Body: "x" }))),
    ).toMatchObject({
      code: "NoSuchBucket",
      status: 404,
    });
  });

  it("refuses wrong credentials with 403 and stores nothing", async () => {
    const wrongSecret = clientWith({ ...credentials, secretAccessKey: "not-the-secret" });
    expect(
      await sdkError(wrongSecret.send(new PutObjectCommand({ Bucket: BUCKET, Key: "intruder", Body: "x" }))),
    ).toMatchObject({
      code: "SignatureDoesNotMatch",
      status: 403,
    });
    const wrongKey = clientWith({ accessKeyId: "local", secretAccessKey: "local" });
    expect(
      await sdkError(wrongKey.send(new PutObjectCommand({ Bucket: BUCKET, Key: "intruder", Body: "x" }))),
    ).toMatchObject({
      code: "InvalidAccessKeyId",
      status: 403,
    });
    expect((await sdkError(wrongSecret.send(new ListObjectsV2Command({ Bucket: BUCKET })))).status).toBe(403);
    const anonymous = await fetch(`${s3.endpoint}/${BUCKET}/intruder`, { method: "PUT", body: "x" });
    expect(await xmlError(anonymous)).toMatchObject({ status: 403, code: "AccessDenied" });
    expect(await exists("intruder")).toBe(false);
  });

  it("serves presigned URLs (query auth) and refuses tampered or expired ones", async () => {
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: "shared/report.txt", Body: "for your eyes" }),
    );
    const url = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: BUCKET, Key: "shared/report.txt" }),
      {
        expiresIn: 60,
      },
    );
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("for your eyes");

    const otherKey = url.replace("shared/report.txt", "shared/other.txt");
    expect(await xmlError(await fetch(otherKey))).toMatchObject({
      status: 403,
      code: "SignatureDoesNotMatch",
    });

    const putUrl = await getSignedUrl(
      client,
      new PutObjectCommand({ Bucket: BUCKET, Key: "shared/upload.txt" }),
      {
        expiresIn: 60,
      },
    );
    expect((await fetch(putUrl, { method: "PUT", body: "via url" })).status).toBe(200);
    expect(await exists("shared/upload.txt")).toBe(true);

    const expired = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: BUCKET, Key: "shared/report.txt" }),
      {
        expiresIn: 1,
        signingDate: new Date(Date.now() - 60_000),
      },
    );
    expect(await xmlError(await fetch(expired))).toEqual({
      status: 403,
      code: "AccessDenied",
      message: "Request has expired",
    });
  });

  it("keeps buckets and objects across a restart on the same directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s3-store-restart-"));
    try {
      const first = await startS3Store({ credentials, dataDir: dir, buckets: ["kept"] });
      const firstClient = new S3Client({
        endpoint: first.endpoint,
        forcePathStyle: true,
        region: "us-east-1",
        credentials,
      });
      await firstClient.send(
        new PutObjectCommand({
          Bucket: "kept",
          Key: "a/b.txt",
          Body: "still here",
          ContentType: "text/plain",
        }),
      );
      firstClient.destroy();
      await first.stop();

      const second = await startS3Store({ credentials, dataDir: dir });
      const secondClient = new S3Client({
        endpoint: second.endpoint,
        forcePathStyle: true,
        region: "us-east-1",
        credentials,
      });
      const got = await secondClient.send(new GetObjectCommand({ Bucket: "kept", Key: "a/b.txt" }));
      expect(got.ContentType).toBe("text/plain");
      expect(await got.Body?.transformToString()).toBe("still here");
      secondClient.destroy();
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("without a data directory keeps its files in a private temporary one, removed at stop", async () => {
    const ephemeral = await startS3Store({ credentials, buckets: ["scratch"] });
    expect(existsSync(join(ephemeral.dataDir, "scratch"))).toBe(true);
    await ephemeral.stop();
    expect(existsSync(ephemeral.dataDir)).toBe(false);
  });
});

describe("browser POST uploads under a presigned policy", () => {
  it("accepts an upload the policy allows: 204 with ETag and Location, and an ObjectCreated:Post event", async () => {
    const key = "products/p1/uploads/img-1";
    const { url, fields } = await presignImage(key);
    const res = await postForm(url, fields, png(1000));
    expect(res.status).toBe(204);
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{32}"$/);
    expect(res.headers.get("location")).toBe(`${s3.endpoint}/${BUCKET}/products/p1/uploads/img-1`);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head).toMatchObject({ ContentType: "image/png", ContentLength: 1000 });

    await expect.poll(() => events.find((e) => e.s3.object.key === key)).toBeDefined();
    expect(events.find((e) => e.s3.object.key === key)).toMatchObject({
      eventSource: "aws:s3",
      eventName: "ObjectCreated:Post",
      awsRegion: "us-east-1",
      s3: {
        bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` },
        object: { size: 1000, eTag: head.ETag?.replace(/"/g, "") },
      },
    });
  });

  it("answers success_action_status 201 with S3's PostResponse", async () => {
    const { url, fields } = await createPresignedPost(client, {
      Bucket: BUCKET,
      Key: "products/p1/uploads/img-201",
      Conditions: [["eq", "$success_action_status", "201"]],
      Fields: { success_action_status: "201" },
    });
    const res = await postForm(url, fields, png(10));
    expect(res.status).toBe(201);
    expect(await res.text()).toContain("<Key>products/p1/uploads/img-201</Key>");
  });

  it("refuses a file over content-length-range with 400 EntityTooLarge and keeps nothing", async () => {
    const key = "products/p1/uploads/too-big";
    const { url, fields } = await presignImage(key);
    const res = await postForm(url, fields, png(MAX + 1));
    expect(await xmlError(res)).toMatchObject({ status: 400, code: "EntityTooLarge" });
    expect(await exists(key)).toBe(false);
    expect(readdirSync(join(dataDir, ".tmp"))).toEqual([]);
  });

  it("refuses an empty file under a minimum size with 400 EntityTooSmall", async () => {
    const key = "products/p1/uploads/empty";
    const { url, fields } = await presignImage(key);
    expect(await xmlError(await postForm(url, fields, png(0)))).toMatchObject({
      status: 400,
      code: "EntityTooSmall",
    });
    expect(await exists(key)).toBe(false);
  });

  it("stops reading an oversized upload as soon as it passes the limit", async () => {
    const { url, fields } = await presignImage("products/p1/uploads/huge");
    const boundary = "----meridian";
    const head = Object.entries(fields)
      .map(
        ([name, value]) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      )
      .join("");
    const preamble = `${head}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.png"\r\nContent-Type: image/png\r\n\r\n`;
    const total = 256 * 1024 * 1024;
    let sent = 0;
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(url, {
        method: "POST",
        headers: {
          "content-type": `multipart/form-data; boundary=${boundary}`,
          "content-length": preamble.length + total,
        },
      });
      let answered = false;
      req.on("response", (res) => {
        answered = true;
        let body = "";
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", (error) => (answered ? undefined : reject(error)));
      req.write(preamble);
      const chunk = Buffer.alloc(64 * 1024, 1);
      const pump = () => {
        while (!answered && sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once("drain", pump);
            return;
          }
        }
        if (!answered) req.end();
      };
      pump();
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toContain("<Code>EntityTooLarge</Code>");
    // Answered long before the client could send it all: the store stopped at the limit, not at the end.
    expect(sent).toBeLessThan(total / 4);
    expect(readdirSync(join(dataDir, ".tmp"))).toEqual([]);
  });

  it("stores nothing and leaves no temporary file when the client goes away mid-upload", async () => {
    const key = "products/p1/uploads/abandoned";
    const { url, fields } = await presignImage(key);
    const boundary = "----abandon";
    const head = Object.entries(fields)
      .map(
        ([name, value]) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      )
      .join("");
    const req = request(url, {
      method: "POST",
      headers: { "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": 1_000_000 },
    });
    req.on("error", () => {});
    req.write(
      `${head}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n`,
    );
    req.write(Buffer.alloc(1000, 1));
    await expect.poll(() => readdirSync(join(dataDir, ".tmp")).length, { timeout: 5000 }).toBe(1);
    req.destroy();
    await expect.poll(() => readdirSync(join(dataDir, ".tmp")).length, { timeout: 5000 }).toBe(0);
    expect(await exists(key)).toBe(false);
  });

  it("refuses a content type the policy does not allow with 403 AccessDenied", async () => {
    const key = "products/p1/uploads/renamed";
    const { url, fields } = await presignImage(key);
    const res = await postForm(url, { ...fields, "Content-Type": "text/html" }, new Blob(["<script>"]));
    expect(await xmlError(res)).toEqual({
      status: 403,
      code: "AccessDenied",
      message: 'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/png"]',
    });
    expect(await exists(key)).toBe(false);
  });

  it("refuses a key outside the policy's prefix with 403 AccessDenied", async () => {
    const { url, fields } = await createPresignedPost(client, {
      Bucket: BUCKET,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's ${filename} key variable, sent as is.
      Key: "products/p1/uploads/${filename}",
      Conditions: [["starts-with", "$key", "products/p1/uploads/"]],
    });
    const inside = await postForm(url, fields, png(5), "inside.png");
    expect(inside.status).toBe(204);
    expect(await exists("products/p1/uploads/inside.png")).toBe(true);

    const res = await postForm(url, { ...fields, key: "products/p2/images/overwrite.png" }, png(5));
    expect(await xmlError(res)).toMatchObject({
      status: 403,
      code: "AccessDenied",
      message:
        'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "products/p1/uploads/"]',
    });
    expect(await exists("products/p2/images/overwrite.png")).toBe(false);
  });

  it("refuses another product's upload fields used for a different key with 403 AccessDenied", async () => {
    const theirs = await presignImage("products/p2/uploads/img-9");
    const res = await postForm(theirs.url, { ...theirs.fields, key: "products/p1/uploads/img-9" }, png(5));
    expect(await xmlError(res)).toMatchObject({
      status: 403,
      code: "AccessDenied",
      message:
        'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "products/p2/uploads/img-9"]',
    });
    expect(await exists("products/p1/uploads/img-9")).toBe(false);
  });

  it("refuses an expired policy with 403 AccessDenied", async () => {
    const key = "products/p1/uploads/late";
    const { url, fields } = await presignImage(key, { expires: -1 });
    expect(await xmlError(await postForm(url, fields, png(5)))).toEqual({
      status: 403,
      code: "AccessDenied",
      message: "Invalid according to Policy: Policy expired.",
    });
    expect(await exists(key)).toBe(false);
  });

  it("refuses a tampered policy or signature with 403 SignatureDoesNotMatch", async () => {
    const key = "products/p1/uploads/tampered";
    const { url, fields } = await presignImage(key);
    const policy = JSON.parse(Buffer.from(fields.Policy ?? "", "base64").toString()) as {
      conditions: unknown[];
    };
    policy.conditions[0] = ["content-length-range", 1, 1024 ** 3];
    const forged = Buffer.from(JSON.stringify(policy)).toString("base64");
    expect(await xmlError(await postForm(url, { ...fields, Policy: forged }, png(5)))).toMatchObject({
      status: 403,
      code: "SignatureDoesNotMatch",
    });
    const signature = fields["X-Amz-Signature"] ?? "";
    const flipped = `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`;
    expect(
      await xmlError(await postForm(url, { ...fields, "X-Amz-Signature": flipped }, png(5))),
    ).toMatchObject({
      status: 403,
      code: "SignatureDoesNotMatch",
    });
    expect(await exists(key)).toBe(false);
  });

  it("refuses a field no condition names with 403 AccessDenied", async () => {
    const key = "products/p1/uploads/extra";
    const { url, fields } = await presignImage(key);
    const res = await postForm(url, { ...fields, "x-amz-meta-owner": "mallory" }, png(5));
    expect(await xmlError(res)).toEqual({
      status: 403,
      code: "AccessDenied",
      message: "Invalid according to Policy: Extra input fields: x-amz-meta-owner",
    });
    expect(await exists(key)).toBe(false);
  });
});

describe("CORS, for the dashboard's upload from another origin", () => {
  const DASHBOARD = "http://127.0.0.1:3000";
  let withCors: S3Store;
  let corsClient: S3Client;

  beforeAll(async () => {
    withCors = await startS3Store({
      credentials,
      buckets: [BUCKET],
      cors: [{ allowedOrigins: [DASHBOARD], allowedMethods: ["POST"], maxAgeSeconds: 3600 }],
    });
    corsClient = new S3Client({
      endpoint: withCors.endpoint,
      forcePathStyle: true,
      region: "us-east-1",
      credentials,
    });
  });
  afterAll(async () => {
    corsClient.destroy();
    await withCors.stop();
  });

  const preflight = (store: S3Store, origin: string, method: string, headers?: string) =>
    fetch(`${store.endpoint}/${BUCKET}`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": method,
        ...(headers ? { "access-control-request-headers": headers } : {}),
      },
    });

  it("answers a preflight from an allowed origin for POST, as S3 does", async () => {
    const res = await preflight(withCors, DASHBOARD, "POST");

    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe(DASHBOARD);
    expect(res.headers.get("access-control-allow-methods")).toBe("POST");
    expect(res.headers.get("access-control-max-age")).toBe("3600");
  });

  it("refuses a preflight from another origin, for another method or asking for headers, with S3's 403", async () => {
    for (const res of [
      await preflight(withCors, "https://evil.example", "POST"),
      await preflight(withCors, DASHBOARD, "PUT"),
      await preflight(withCors, DASHBOARD, "POST", "x-custom"),
      await preflight(s3, DASHBOARD, "POST"),
    ]) {
      expect(res.status).toBe(403);
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
      expect(await res.text()).toContain("<Code>AccessForbidden</Code>");
    }
  });

  it("lets the allowed origin read the answer of its upload, and still checks the policy", async () => {
    const { url, fields } = await createPresignedPost(corsClient, {
      Bucket: BUCKET,
      Key: "products/p1/uploads/cors",
      Conditions: [["content-length-range", 1, MAX]],
    });
    const form = (size: number) => {
      const body = new FormData();
      for (const [name, value] of Object.entries(fields)) body.append(name, value);
      body.append("file", png(size), "photo.png");
      return body;
    };

    const ok = await fetch(url, { method: "POST", body: form(10), headers: { origin: DASHBOARD } });
    const tooBig = await fetch(url, { method: "POST", body: form(MAX + 1), headers: { origin: DASHBOARD } });
    const stranger = await fetch(url, {
      method: "POST",
      body: form(10),
      headers: { origin: "https://evil.example" },
    });

    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe(DASHBOARD);
    expect(tooBig.status).toBe(400);
    expect(tooBig.headers.get("access-control-allow-origin")).toBe(DASHBOARD);
    // S3 stores a form from any origin that holds a valid policy; only the browser's read of it is refused.
    expect(stranger.headers.get("access-control-allow-origin")).toBeNull();
  });
});
