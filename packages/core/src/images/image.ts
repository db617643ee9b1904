import * as z from "zod/mini";
import { isoDateTime } from "../shared/schema-parts.ts";

/** What an admin may upload; anything else is refused before a URL is signed. */
export const IMAGE_CONTENT_TYPES = ["image/jpeg", "image/png", "image/webp"] as const;
export type ImageContentType = (typeof IMAGE_CONTENT_TYPES)[number];

export const IMAGE_STATUSES = ["PROCESSING", "READY", "REJECTED"] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

// Built on first use, like every schema (see epoch.ts).
const Rendition = () =>
  z.object({
    name: z.string().check(z.describe("e.g. 320 or 1280: the width it was made for")),
    width: z.number().check(z.int(), z.minimum(1)),
    height: z.number().check(z.int(), z.minimum(1)),
    contentType: z.string(),
    url: z.string().check(z.describe("Where the CDN serves it")),
  });

export const ProductImageRefSchema = z.lazy(() =>
  z
    .object({
      imageId: z.uuid(),
      width: z.number().check(z.int(), z.minimum(1)),
      height: z.number().check(z.int(), z.minimum(1)),
      renditions: z.array(Rendition()),
    })
    .check(z.meta({ id: "ProductImageRef" })),
);
/** A READY image as a product carries it: dimensions of the original and its renditions. */
export type ProductImageRef = z.infer<typeof ProductImageRefSchema>;
export type Rendition = ProductImageRef["renditions"][number];

export const ProductImageSchema = z.lazy(() =>
  z
    .object({
      imageId: z.uuid(),
      productId: z.uuid(),
      status: z.enum(IMAGE_STATUSES),
      contentType: z.enum(IMAGE_CONTENT_TYPES),
      reason: z.optional(z.string().check(z.describe("Why the upload was REJECTED, e.g. NOT_AN_IMAGE"))),
      width: z.optional(z.number()),
      height: z.optional(z.number()),
      renditions: z.optional(z.array(Rendition())),
      createdAt: isoDateTime(),
      updatedAt: isoDateTime(),
    })
    .check(z.meta({ id: "ProductImage" })),
);
/** One upload and what became of it. */
export type ProductImage = z.infer<typeof ProductImageSchema>;

export const RequestImageUploadBodySchema = z.lazy(() =>
  z
    .strictObject({ contentType: z.enum(IMAGE_CONTENT_TYPES) })
    .check(z.meta({ id: "RequestImageUploadBody" })),
);
export type RequestImageUploadBody = z.infer<typeof RequestImageUploadBodySchema>;

export const ReorderImagesBodySchema = z.lazy(() =>
  z
    .strictObject({
      order: z
        .array(z.uuid())
        .check(z.maxLength(100), z.describe("Every READY image of the product, the primary one first")),
    })
    .check(z.meta({ id: "ReorderImagesBody" })),
);
export type ReorderImagesBody = z.infer<typeof ReorderImagesBodySchema>;

export const ImageUploadSchema = z.lazy(() =>
  z
    .object({
      imageId: z.uuid(),
      upload: z.object({
        url: z.string().check(z.describe("POST the form here")),
        fields: z
          .record(z.string(), z.string())
          .check(z.describe("Form fields to send as they are, before the `file` field")),
      }),
      expiresAt: isoDateTime(),
    })
    .check(z.meta({ id: "ImageUpload" })),
);
export type ImageUpload = z.infer<typeof ImageUploadSchema>;

/** Where an upload lands: the key the signed policy fixes and the S3 event names. */
export const uploadKey = (productId: string, imageId: string) => `products/${productId}/uploads/${imageId}`;

const UPLOAD_KEY = /^products\/([0-9a-f-]{36})\/uploads\/([0-9a-f-]{36})$/;

/** The product and image an upload key names; undefined for any other key. */
export function parseUploadKey(key: string): { productId: string; imageId: string } | undefined {
  const match = UPLOAD_KEY.exec(key);
  return match ? { productId: match[1] as string, imageId: match[2] as string } : undefined;
}

/** Where an image's renditions live, whichever processing run wrote them. */
export const imagePrefix = (productId: string, imageId: string) => `products/${productId}/images/${imageId}/`;

/**
 * Where a rendition is written: under the processing run that made it (`run`), so two runs of the same
 * upload (a re-sent file, a retried event) never write over each other's objects, and a key's content never
 * changes (renditions are cached as immutable).
 */
export const renditionKey = (productId: string, imageId: string, run: string, name: string) =>
  `${imagePrefix(productId, imageId)}${run}/${name}.webp`;
