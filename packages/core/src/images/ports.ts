import type { Product } from "../catalog/product.ts";
import type { ImageContentType, ProductImage, ProductImageRef } from "./image.ts";

export interface ImageStore {
  /**
   * Takes one of the product's image places (at most `maxImages`, counting PROCESSING and READY ones) and
   * writes the PROCESSING record, in one transaction. Throws NotFoundError for no such product,
   * ImageLimitReachedError when it is full.
   */
  createPending(image: ProductImage, maxImages: number): Promise<void>;
  get(imageId: string): Promise<ProductImage | undefined>;
  /**
   * PROCESSING → READY and the product gains `ref`, in one transaction; false when the image was no longer
   * PROCESSING (the same event again, or deleted meanwhile): nothing changed.
   */
  markReady(image: ProductImage, ref: ProductImageRef, atIso: string): Promise<boolean>;
  /** PROCESSING → REJECTED with its reason, and its place given back; false when it was not PROCESSING. */
  markRejected(image: ProductImage, reason: string, atIso: string): Promise<boolean>;
  /** Removes the record, the product's reference and its place, in one transaction; false if it was gone. */
  remove(image: ProductImage): Promise<boolean>;
  /**
   * Puts the product's READY images in `order` (each named once; the first is the primary one), on condition
   * that they are still the images read. Throws ImageOrderMismatchError when `order` names other images.
   */
  reorder(productId: string, order: string[], atIso: string): Promise<Product>;
}

/** Signs browser uploads (an S3 presigned POST). */
export interface UploadSigner {
  presignPost(request: {
    key: string;
    contentType: ImageContentType;
    maxBytes: number;
    expiresInSeconds: number;
  }): Promise<{ url: string; fields: Record<string, string> }>;
}

/** The images bucket. */
export interface ImageObjects {
  read(key: string): Promise<Uint8Array | undefined>;
  write(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** Deletes every key under `prefix` (an upload, or an image's renditions). */
  deletePrefix(prefix: string): Promise<void>;
}

/** Decodes an upload, refuses what is not a real image of its declared type, and makes its renditions. */
export interface ImageProcessor {
  process(
    bytes: Uint8Array,
    declared: ImageContentType,
  ): Promise<
    | {
        ok: true;
        width: number;
        height: number;
        renditions: { name: string; width: number; height: number; contentType: string; bytes: Uint8Array }[];
      }
    | { ok: false; reason: string }
  >;
}
