import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import type { Product, ProductImage } from "@meridian/core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signLocalToken } from "../src/issuer.ts";
import type { Sandbox } from "../src/sandbox.ts";
import { errorOf, startTestSandbox } from "./support.ts";

let sandbox: Sandbox;
let admin: string;
let s3: S3Client;

const token = (role: "admin" | "customer", sub: string) =>
  signLocalToken(sandbox.issuerKey, { issuer: sandbox.config.jwt.issuer, role, sub });

const json = (bearer: string, body?: unknown, method = body === undefined ? "GET" : "POST") => ({
  method,
  headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
  body: body === undefined ? undefined : JSON.stringify(body),
});

async function newProduct(): Promise<Product> {
  const res = await fetch(
    `${sandbox.url}/products`,
    json(admin, { name: "Chair", description: "", price: 5000, currency: "EUR", stock: 3 }),
  );
  expect(res.status).toBe(201);
  return (await res.json()) as Product;
}

interface Upload {
  imageId: string;
  upload: { url: string; fields: Record<string, string> };
  expiresAt: string;
}

async function signUpload(productId: string, contentType = "image/jpeg"): Promise<Upload> {
  const res = await fetch(`${sandbox.url}/products/${productId}/images`, json(admin, { contentType }));
  expect(res.status).toBe(201);
  return (await res.json()) as Upload;
}

/** The browser's (or `curl -F`'s) multipart POST of the signed fields and the file. */
async function send(upload: Upload, bytes: Uint8Array, type: string): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.upload.fields)) form.append(name, value);
  form.append("file", new Blob([bytes as Uint8Array<ArrayBuffer>], { type }), "photo");
  return fetch(upload.upload.url, { method: "POST", body: form });
}

async function statusOf(productId: string, imageId: string): Promise<ProductImage> {
  for (let i = 0; i < 200; i++) {
    await sandbox.imageEvents?.idle();
    const image = (await (
      await fetch(`${sandbox.url}/products/${productId}/images/${imageId}`, json(admin))
    ).json()) as ProductImage;
    if (image.status !== "PROCESSING") return image;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("still PROCESSING");
}

async function keys(prefix: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: sandbox.s3?.bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key ?? "");
}

/** A 1600 × 1200 JPEG whose EXIF holds a camera and a GPS position. */
const photoWithGps = () =>
  sharp({ create: { width: 1600, height: 1200, channels: 3, background: { r: 30, g: 90, b: 160 } } })
    .jpeg()
    .withExif({
      IFD0: { Make: "MeridianCam" },
      IFD3: {
        GPSLatitudeRef: "N",
        GPSLatitude: "52/1 31/1 1234/100",
        GPSLongitudeRef: "E",
        GPSLongitude: "13/1 24/1 0/1",
      },
    })
    .toBuffer();

beforeAll(async () => {
  sandbox = await startTestSandbox({ imageRetryDelaysMs: [10, 20] });
  admin = await token("admin", "images-admin");
  const store = sandbox.s3;
  if (!store) throw new Error("the sandbox runs no S3 store");
  s3 = new S3Client({
    endpoint: store.endpoint,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: store.credentials,
  });
});
afterAll(async () => {
  s3?.destroy();
  await sandbox?.stop();
});

describe("product images in the sandbox", () => {
  it("takes a signed browser upload, processes it from the store's event, and serves metadata-free renditions", async () => {
    // Prepare
    const product = await newProduct();
    const upload = await signUpload(product.id);

    // Act
    const sent = await send(upload, await photoWithGps(), "image/jpeg");
    const image = await statusOf(product.id, upload.imageId);

    // Assess
    expect(sent.status).toBe(204);
    expect(image).toMatchObject({ status: "READY", width: 1600, height: 1200 });
    const read = (await (await fetch(`${sandbox.url}/products/${product.id}`)).json()) as Product;
    expect(read.images.map((i) => i.imageId)).toEqual([upload.imageId]);
    const renditions = read.images[0]?.renditions ?? [];
    expect(renditions.map((r) => [r.name, r.width, r.height])).toEqual([
      ["320", 320, 240],
      ["1280", 1280, 960],
    ]);
    for (const rendition of renditions) {
      const res = await fetch(rendition.url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/webp");
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      expect([meta.format, meta.exif]).toEqual(["webp", undefined]);
    }
    // The upload itself, GPS and all, is gone.
    expect(await keys(`products/${product.id}/uploads/`)).toEqual([]);
  });

  it("rejects a text file sent as image/png: S3 stores it, the processor deletes it and says why", async () => {
    // Prepare
    const product = await newProduct();
    const upload = await signUpload(product.id, "image/png");

    // Act
    const sent = await send(upload, new TextEncoder().encode("not a picture at all\n"), "image/png");
    const image = await statusOf(product.id, upload.imageId);

    // Assess
    expect(sent.status).toBe(204);
    expect(image).toMatchObject({ status: "REJECTED", reason: "NOT_AN_IMAGE" });
    expect(await keys(`products/${product.id}/`)).toEqual([]);
    expect(((await (await fetch(`${sandbox.url}/products/${product.id}`)).json()) as Product).images).toEqual(
      [],
    );
  });

  it("refuses an upload over the signed size with S3's EntityTooLarge, and another content type", async () => {
    // Prepare
    const product = await newProduct();
    const upload = await signUpload(product.id, "image/png");

    // Act
    const tooLarge = await send(upload, new Uint8Array(5 * 1024 * 1024 + 1), "image/png");
    const otherType = await (async () => {
      const form = new FormData();
      for (const [name, value] of Object.entries(upload.upload.fields))
        form.append(name, name === "Content-Type" ? "text/html" : value);
      form.append("file", new Blob(["<script>"], { type: "text/html" }));
      return fetch(upload.upload.url, { method: "POST", body: form });
    })();

    // Assess
    expect(tooLarge.status).toBe(400);
    expect(await tooLarge.text()).toContain("<Code>EntityTooLarge</Code>");
    expect(otherType.status).toBe(403);
    expect(await otherType.text()).toContain("<Code>AccessDenied</Code>");
    expect(await keys(`products/${product.id}/`)).toEqual([]);
  });

  it("attaches one image however often the same event is delivered, and DELETE removes it all", async () => {
    // Prepare
    const product = await newProduct();
    const upload = await signUpload(product.id);
    await send(upload, await photoWithGps(), "image/jpeg");
    await statusOf(product.id, upload.imageId);
    const key = `products/${product.id}/uploads/${upload.imageId}`;
    const redelivered = {
      Records: [
        {
          eventName: "ObjectCreated:Post",
          s3: { bucket: { name: sandbox.s3?.bucket }, object: { key, size: 1 } },
        },
      ],
    };

    // Act
    sandbox.imageEvents?.invoke(redelivered as never);
    sandbox.imageEvents?.invoke(redelivered as never);
    await sandbox.imageEvents?.idle();
    const afterRedelivery = (await (await fetch(`${sandbox.url}/products/${product.id}`)).json()) as Product;
    const deleted = await fetch(
      `${sandbox.url}/products/${product.id}/images/${upload.imageId}`,
      json(admin, undefined, "DELETE"),
    );

    // Assess
    expect(afterRedelivery.images).toHaveLength(1);
    expect(deleted.status).toBe(204);
    expect(await keys(`products/${product.id}/`)).toEqual([]);
    expect(((await (await fetch(`${sandbox.url}/products/${product.id}`)).json()) as Product).images).toEqual(
      [],
    );
    expect(
      (await fetch(`${sandbox.url}/products/${product.id}/images/${upload.imageId}`, json(admin))).status,
    ).toBe(404);
  });

  it("orders a product's images with PATCH, the first being the primary one", async () => {
    // Prepare
    const product = await newProduct();
    const first = await signUpload(product.id);
    const second = await signUpload(product.id);
    await send(first, await photoWithGps(), "image/jpeg");
    await send(second, await photoWithGps(), "image/jpeg");
    await statusOf(product.id, first.imageId);
    await statusOf(product.id, second.imageId);
    const patch = (order: string[]) =>
      fetch(`${sandbox.url}/products/${product.id}/images`, json(admin, { order }, "PATCH"));

    // Act
    const reordered = await patch([second.imageId, first.imageId]);
    const incomplete = await patch([second.imageId]);

    // Assess
    expect(reordered.status).toBe(200);
    expect(((await reordered.json()) as Product).images.map((i) => i.imageId)).toEqual([
      second.imageId,
      first.imageId,
    ]);
    expect(incomplete.status).toBe(409);
    expect(((await incomplete.json()) as { error: unknown }).error).toMatchObject({
      code: "IMAGE_ORDER_MISMATCH",
      details: { current: [second.imageId, first.imageId] },
    });
  });

  it("lists and redrives the image processor's on-failure destination (empty when nothing failed)", async () => {
    // Act
    const listed = await fetch(`${sandbox.url}/_sandbox/events/image-processor`);
    const redriven = await fetch(`${sandbox.url}/_sandbox/events/image-processor/redrive`, {
      method: "POST",
    });

    // Assess
    expect([listed.status, await listed.json()]).toEqual([200, []]);
    expect(await redriven.json()).toEqual({ redriven: 0, stillFailing: 0 });
  });

  it("gives upload fields to admins only, refuses a type it does not take, and the 11th image gets 409", async () => {
    // Prepare
    const product = await newProduct();
    const customer = await token("customer", "not-admin");

    // Act
    const forbidden = await fetch(
      `${sandbox.url}/products/${product.id}/images`,
      json(customer, { contentType: "image/png" }),
    );
    const gif = await fetch(
      `${sandbox.url}/products/${product.id}/images`,
      json(admin, { contentType: "image/gif" }),
    );
    for (let i = 0; i < 10; i++) await signUpload(product.id, "image/webp");
    const eleventh = await fetch(
      `${sandbox.url}/products/${product.id}/images`,
      json(admin, { contentType: "image/png" }),
    );

    // Assess
    expect(forbidden.status).toBe(403);
    expect(gif.status).toBe(400);
    expect(eleventh.status).toBe(409);
    expect((await errorOf(eleventh)).code).toBe("IMAGE_LIMIT_REACHED");
  });
});
