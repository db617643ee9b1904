import {
  ImageLimitReachedError,
  ImageOrderMismatchError,
  NotFoundError,
  type Product,
  type ProductImage,
  type ProductImageRef,
} from "@meridian/core";
import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  createDocumentClient,
  DynamoCatalogStore,
  DynamoImageStore,
  ensureTables,
  tableNames,
} from "../src/index.ts";

const endpoint = inject("dynamodbEndpoint");
const db = createDocumentClient({ endpoint });
const names = tableNames(`adapters-images-${process.pid}-${Date.now().toString(36)}`);
const catalog = new DynamoCatalogStore(db, names.catalog);
const images = new DynamoImageStore(db, names.catalog);
const AT = "2026-12-04T12:00:00.000Z";

beforeAll(() => ensureTables(db, names));

let counter = 0;
const uuid = () => `0190a000-0000-7000-8000-${(++counter).toString(16).padStart(12, "0")}`;

async function product(): Promise<Product> {
  const p: Product = {
    id: uuid(),
    name: "Lamp",
    description: "",
    price: 100,
    currency: "EUR",
    stock: 1,
    images: [],
    version: 1,
    createdAt: AT,
    updatedAt: AT,
  };
  await catalog.create(p);
  return p;
}

const pending = (productId: string): ProductImage => ({
  imageId: uuid(),
  productId,
  status: "PROCESSING",
  contentType: "image/png",
  createdAt: AT,
  updatedAt: AT,
});

const refOf = (image: ProductImage): ProductImageRef => ({
  imageId: image.imageId,
  width: 640,
  height: 480,
  renditions: [
    {
      name: "320",
      width: 320,
      height: 240,
      contentType: "image/webp",
      url: `https://cdn.test/${image.imageId}/320.webp`,
    },
  ],
});

describe("DynamoImageStore", () => {
  it("gives exactly the product's 10 places to 15 concurrent uploads, and refuses the rest with 409", async () => {
    // Prepare
    const { id } = await product();

    // Act
    const results = await Promise.allSettled(
      Array.from({ length: 15 }, () => images.createPending(pending(id), 10)),
    );

    // Assess
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(10);
    for (const r of results.filter((r) => r.status === "rejected"))
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ImageLimitReachedError);
  });

  it("refuses an upload for a product that does not exist", async () => {
    await expect(images.createPending(pending(uuid()), 10)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("attaches a READY image to its product once, however often the same event comes", async () => {
    // Prepare
    const { id } = await product();
    const image = pending(id);
    await images.createPending(image, 10);

    // Act
    const first = await images.markReady(image, refOf(image), AT);
    const again = await images.markReady(image, refOf(image), AT);

    // Assess
    expect([first, again]).toEqual([true, false]);
    expect((await catalog.get(id))?.images).toEqual([refOf(image)]);
    expect(await images.get(image.imageId)).toMatchObject({ status: "READY", width: 640, height: 480 });
    // No bookkeeping leaks into the product as read.
    expect(Object.keys((await catalog.get(id)) ?? {})).not.toContain("imageSlots");
  });

  it("gives a rejected upload's place back, and a deleted image's place and reference", async () => {
    // Prepare
    const { id } = await product();
    const [a, b] = [pending(id), pending(id)];
    await images.createPending(a, 2);
    await images.createPending(b, 2);
    await images.markReady(b, refOf(b), AT);

    // Act
    const rejected = await images.markRejected(a, "NOT_AN_IMAGE", AT);
    const removed = await images.remove(b);
    const removedAgain = await images.remove(b);

    // Assess
    expect([rejected, removed, removedAgain]).toEqual([true, true, false]);
    expect(await images.get(a.imageId)).toMatchObject({ status: "REJECTED", reason: "NOT_AN_IMAGE" });
    expect(await images.get(b.imageId)).toBeUndefined();
    expect((await catalog.get(id))?.images).toEqual([]);
    // Both places are free again.
    await images.createPending(pending(id), 2);
    await images.createPending(pending(id), 2);
    await expect(images.createPending(pending(id), 2)).rejects.toBeInstanceOf(ImageLimitReachedError);
  });

  it("does not make an image READY once it was deleted while it was processed", async () => {
    // Prepare
    const { id } = await product();
    const image = pending(id);
    await images.createPending(image, 10);
    await images.remove(image);

    // Act
    const attached = await images.markReady(image, refOf(image), AT);

    // Assess
    expect(attached).toBe(false);
    expect((await catalog.get(id))?.images).toEqual([]);
  });
});

describe("DynamoImageStore.reorder", () => {
  it("puts the READY images in the order given, and refuses an order that names other images", async () => {
    // Prepare
    const { id } = await product();
    const [a, b, c] = [pending(id), pending(id), pending(id)];
    for (const image of [a, b, c]) {
      await images.createPending(image, 10);
      await images.markReady(image, refOf(image), AT);
    }

    // Act
    const reordered = await images.reorder(id, [c.imageId, a.imageId, b.imageId], AT);
    const missing = await images.reorder(id, [c.imageId, a.imageId], AT).catch((error: unknown) => error);
    const twice = await images
      .reorder(id, [c.imageId, c.imageId, a.imageId], AT)
      .catch((error: unknown) => error);

    // Assess
    expect(reordered.images.map((i) => i.imageId)).toEqual([c.imageId, a.imageId, b.imageId]);
    expect(missing).toBeInstanceOf(ImageOrderMismatchError);
    expect(twice).toBeInstanceOf(ImageOrderMismatchError);
    expect((await catalog.get(id))?.images.map((i) => i.imageId)).toEqual([c.imageId, a.imageId, b.imageId]);
  });
});

describe("DynamoImageStore.remove racing the processor", () => {
  it("takes the reference too when the image became READY between its read and its delete", async () => {
    // Prepare: the delete read the image PROCESSING; the processor attaches it before the delete writes.
    const { id } = await product();
    const image = pending(id);
    await images.createPending(image, 10);
    const racing = new DynamoImageStore(db, names.catalog);
    const get = racing.get.bind(racing);
    let first = true;
    racing.get = async (imageId) => {
      const read = await get(imageId);
      if (first) {
        first = false;
        await images.markReady(image, refOf(image), AT);
      }
      return read;
    };

    // Act
    const removed = await racing.remove(image);

    // Assess
    expect(removed).toBe(true);
    expect(await images.get(image.imageId)).toBeUndefined();
    expect((await catalog.get(id))?.images).toEqual([]);
  });
});
