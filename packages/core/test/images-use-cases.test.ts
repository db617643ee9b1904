import { describe, expect, it } from "vitest";
import {
  ForbiddenError,
  type ImageContentType,
  type ImageObjects,
  type ImageProcessor,
  type ImageStore,
  NotFoundError,
  type ProductImage,
  type ProductImageRef,
  processUploadedImage,
  requestImageUpload,
  type UploadSigner,
  uploadKey,
} from "../src/index.ts";
import { fixedClock, NOW_MS, sequentialIds } from "./support/in-memory-stores.ts";

const admin = { sub: "ada", role: "admin" as const, groups: ["admin"] };
const customer = { sub: "cy", role: "customer" as const, groups: [] };
const PRODUCT = "0190a000-0000-7000-8000-0000000000aa";
const limits = { maxImagesPerProduct: 10, maxUploadBytes: 1000, uploadExpiresSeconds: 60 };

/** An ImageStore of records in a map (the port's contract; DynamoImageStore is tested on DynamoDB Local). */
function memoryImages() {
  const records = new Map<string, ProductImage>();
  const refs: ProductImageRef[] = [];
  const store: ImageStore = {
    createPending: async (image) => void records.set(image.imageId, image),
    get: async (id) => records.get(id),
    markReady: async (image, ref) => {
      const now = records.get(image.imageId);
      if (now?.status !== "PROCESSING") return false;
      records.set(image.imageId, { ...now, status: "READY", width: ref.width, height: ref.height });
      refs.push(ref);
      return true;
    },
    markRejected: async (image, reason) => {
      const now = records.get(image.imageId);
      if (now?.status !== "PROCESSING") return false;
      records.set(image.imageId, { ...now, status: "REJECTED", reason });
      return true;
    },
    remove: async (image) => records.delete(image.imageId),
    reorder: async () => {
      throw new Error("not used here");
    },
  };
  return { store, records, refs };
}

function memoryObjects() {
  const objects = new Map<string, Uint8Array>();
  const bucket: ImageObjects & UploadSigner = {
    read: async (key) => objects.get(key),
    write: async (key, bytes) => void objects.set(key, bytes),
    deletePrefix: async (prefix) => {
      for (const key of [...objects.keys()]) if (key.startsWith(prefix)) objects.delete(key);
    },
    presignPost: async ({ key, contentType }) => ({
      url: "http://s3.test/images",
      fields: { key, "Content-Type": contentType },
    }),
  };
  return { bucket, objects };
}

const processor = (
  result: Awaited<ReturnType<ImageProcessor["process"]>>,
): ImageProcessor & { calls: ImageContentType[] } => {
  const calls: ImageContentType[] = [];
  return {
    calls,
    process: async (_bytes, declared) => {
      calls.push(declared);
      return result;
    },
  };
};

const ok = {
  ok: true as const,
  width: 2000,
  height: 1000,
  renditions: [
    { name: "320", width: 320, height: 160, contentType: "image/webp", bytes: new Uint8Array([1]) },
  ],
};

/** What processUploadedImage needs, on the in-memory ports, with `result` as the processor's answer. */
function processingDeps(
  images: ReturnType<typeof memoryImages>,
  objects: ReturnType<typeof memoryObjects>,
  result: Awaited<ReturnType<ImageProcessor["process"]>>,
  publicUrl = (key: string) => key,
) {
  return {
    images: images.store,
    objects: objects.bucket,
    processor: processor(result),
    clock: fixedClock(),
    ids: sequentialIds(),
    publicUrl,
  };
}

async function uploaded(images: ReturnType<typeof memoryImages>, objects: ReturnType<typeof memoryObjects>) {
  const deps = {
    images: images.store,
    signer: objects.bucket,
    clock: fixedClock(),
    ids: sequentialIds(),
    imageLimits: limits,
  };
  const { imageId, upload, expiresAt } = await requestImageUpload(deps, admin, PRODUCT, {
    contentType: "image/png",
  });
  objects.objects.set(uploadKey(PRODUCT, imageId), new Uint8Array([9, 9]));
  return { imageId, upload, expiresAt };
}

describe("requestImageUpload", () => {
  it("signs the product's upload key for the declared type and records it PROCESSING", async () => {
    // Prepare
    const images = memoryImages();
    const objects = memoryObjects();

    // Act
    const { imageId, upload, expiresAt } = await uploaded(images, objects);

    // Assess
    expect(upload.fields).toEqual({
      key: `products/${PRODUCT}/uploads/${imageId}`,
      "Content-Type": "image/png",
    });
    expect(expiresAt).toBe(new Date(NOW_MS + 60_000).toISOString());
    expect(images.records.get(imageId)).toMatchObject({ status: "PROCESSING", productId: PRODUCT });
  });

  it("is for admins only, and a product id that is not a UUID is not found", async () => {
    const deps = {
      images: memoryImages().store,
      signer: memoryObjects().bucket,
      clock: fixedClock(),
      ids: sequentialIds(),
      imageLimits: limits,
    };
    await expect(
      requestImageUpload(deps, customer, PRODUCT, { contentType: "image/png" }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(requestImageUpload(deps, admin, "x", { contentType: "image/png" })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe("processUploadedImage", () => {
  it("writes the renditions, attaches the image and deletes the upload with its metadata", async () => {
    // Prepare
    const images = memoryImages();
    const objects = memoryObjects();
    const { imageId } = await uploaded(images, objects);
    const deps = processingDeps(images, objects, ok, (k) => `https://cdn.test/${k}`);

    // Act
    const outcome = await processUploadedImage(deps, uploadKey(PRODUCT, imageId));
    const again = await processUploadedImage(deps, uploadKey(PRODUCT, imageId));

    // Assess
    expect([outcome, again]).toEqual(["READY", "SKIPPED"]);
    const [rendition, ...others] = [...objects.objects.keys()];
    expect(others).toEqual([]);
    expect(rendition).toMatch(new RegExp(`^products/${PRODUCT}/images/${imageId}/[0-9a-f-]{36}/320\\.webp$`));
    expect(images.refs).toEqual([
      {
        imageId,
        width: 2000,
        height: 1000,
        renditions: [
          {
            name: "320",
            width: 320,
            height: 160,
            contentType: "image/webp",
            url: `https://cdn.test/${rendition}`,
          },
        ],
      },
    ]);
    expect(deps.processor.calls).toEqual(["image/png"]);
  });

  it("rejects what is not an image: the upload is deleted and the reason recorded", async () => {
    // Prepare
    const images = memoryImages();
    const objects = memoryObjects();
    const { imageId } = await uploaded(images, objects);
    const deps = processingDeps(images, objects, { ok: false, reason: "NOT_AN_IMAGE" });

    // Act
    const outcome = await processUploadedImage(deps, uploadKey(PRODUCT, imageId));

    // Assess
    expect(outcome).toBe("REJECTED");
    expect(objects.objects.size).toBe(0);
    expect(images.records.get(imageId)).toMatchObject({ status: "REJECTED", reason: "NOT_AN_IMAGE" });
  });

  it("leaves keys that are not uploads, and uploads nobody asked for, alone", async () => {
    // Prepare
    const images = memoryImages();
    const objects = memoryObjects();
    objects.objects.set(
      `products/${PRODUCT}/uploads/0190a000-0000-7000-8000-0000000000ff`,
      new Uint8Array([1]),
    );
    const deps = processingDeps(images, objects, ok);

    // Act / Assess
    expect(await processUploadedImage(deps, "elsewhere/file.png")).toBe("SKIPPED");
    expect(
      await processUploadedImage(deps, `products/${PRODUCT}/uploads/0190a000-0000-7000-8000-0000000000ff`),
    ).toBe("SKIPPED");
    expect(deps.processor.calls).toEqual([]);
  });

  it("deletes a file re-sent to the key of an image that is already READY, metadata and all", async () => {
    // Prepare
    const images = memoryImages();
    const objects = memoryObjects();
    const { imageId } = await uploaded(images, objects);
    const deps = processingDeps(images, objects, ok);
    await processUploadedImage(deps, uploadKey(PRODUCT, imageId));
    objects.objects.set(uploadKey(PRODUCT, imageId), new Uint8Array([7]));

    // Act
    const outcome = await processUploadedImage(deps, uploadKey(PRODUCT, imageId));

    // Assess
    expect(outcome).toBe("SKIPPED");
    expect(objects.objects.has(uploadKey(PRODUCT, imageId))).toBe(false);
    expect(deps.processor.calls).toHaveLength(1);
  });

  it("keeps the renditions of the run that attached the image when a second run of the same upload loses", async () => {
    // Prepare: two runs read the record PROCESSING; the first attaches, the second's markReady finds it READY.
    const images = memoryImages();
    const objects = memoryObjects();
    const { imageId } = await uploaded(images, objects);
    const deps = processingDeps(images, objects, ok);
    const stale = images.records.get(imageId) as ProductImage;
    const loser = { ...deps, images: { ...images.store, get: async () => stale } };

    // Act
    const first = await processUploadedImage(deps, uploadKey(PRODUCT, imageId));
    objects.objects.set(uploadKey(PRODUCT, imageId), new Uint8Array([9, 9]));
    const second = await processUploadedImage(loser, uploadKey(PRODUCT, imageId));

    // Assess
    expect([first, second]).toEqual(["READY", "SKIPPED"]);
    const kept = [...objects.objects.keys()];
    expect(kept).toEqual([images.refs[0]?.renditions[0]?.url]);
  });
});
