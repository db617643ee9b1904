import { requireAdmin, type UserPrincipal } from "../auth/principal.ts";
import type { Product } from "../catalog/product.ts";
import { NotFoundError } from "../shared/errors.ts";
import { isUuid } from "../shared/ids.ts";
import type { Clock, IdGenerator } from "../shared/ports.ts";
import {
  imagePrefix,
  type ProductImage,
  type ProductImageRef,
  parseUploadKey,
  type ReorderImagesBody,
  type RequestImageUploadBody,
  renditionKey,
  uploadKey,
} from "./image.ts";
import type { ImageObjects, ImageProcessor, ImageStore, UploadSigner } from "./ports.ts";

/** How big, how many and for how long (config; see DEFAULT_IMAGE_LIMITS). */
export interface ImageLimits {
  /** Images one product may hold, PROCESSING and READY ones counted. */
  maxImagesPerProduct: number;
  /** Largest upload the signed policy admits (`content-length-range`). */
  maxUploadBytes: number;
  /** How long the signed upload stays valid. */
  uploadExpiresSeconds: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = {
  maxImagesPerProduct: 10,
  maxUploadBytes: 5 * 1024 * 1024,
  uploadExpiresSeconds: 600,
};

export interface ImageDeps {
  images: ImageStore;
  signer: UploadSigner;
  clock: Clock;
  ids: IdGenerator;
  imageLimits: ImageLimits;
}

/**
 * Takes one of the product's image places and signs an upload for it: a POST whose policy fixes the key, the
 * content type and the size. The image is PROCESSING until its upload has been processed.
 */
export async function requestImageUpload(
  deps: ImageDeps,
  admin: UserPrincipal,
  productId: string,
  body: RequestImageUploadBody,
) {
  requireAdmin(admin);
  if (!isUuid(productId)) throw new NotFoundError("Product", productId);
  const nowMs = deps.clock.nowMs();
  const now = new Date(nowMs).toISOString();
  const imageId = deps.ids.timeOrdered(nowMs);
  const { maxImagesPerProduct, maxUploadBytes, uploadExpiresSeconds } = deps.imageLimits;
  // Signed first: nothing to undo if signing fails; a place taken by an upload that never comes is given
  // back by deleting the image.
  const upload = await deps.signer.presignPost({
    key: uploadKey(productId, imageId),
    contentType: body.contentType,
    maxBytes: maxUploadBytes,
    expiresInSeconds: uploadExpiresSeconds,
  });
  const image: ProductImage = {
    imageId,
    productId,
    status: "PROCESSING",
    contentType: body.contentType,
    createdAt: now,
    updatedAt: now,
  };
  await deps.images.createPending(image, maxImagesPerProduct);
  return { imageId, upload, expiresAt: new Date(nowMs + uploadExpiresSeconds * 1000).toISOString() };
}

/** One of the product's images, whatever its status (admins: they follow their uploads). */
export async function getImage(
  deps: Pick<ImageDeps, "images">,
  admin: UserPrincipal,
  productId: string,
  imageId: string,
): Promise<ProductImage> {
  requireAdmin(admin);
  const image = isUuid(imageId) ? await deps.images.get(imageId) : undefined;
  if (!image || image.productId !== productId) throw new NotFoundError("Image", imageId);
  return image;
}

/**
 * Removes an image: its upload and renditions, then its record, reference and place on the product. The
 * objects go first, so a failure leaves the record for a retry to find (a product may show a broken image
 * until then, never an object nobody can remove); whatever a processing run wrote meanwhile goes after.
 */
export async function deleteImage(
  deps: Pick<ImageDeps, "images"> & { objects: ImageObjects },
  admin: UserPrincipal,
  productId: string,
  imageId: string,
): Promise<void> {
  const image = await getImage(deps, admin, productId, imageId);
  await deps.objects.deletePrefix(uploadKey(productId, imageId));
  await deps.objects.deletePrefix(imagePrefix(productId, imageId));
  await deps.images.remove(image);
  await deps.objects.deletePrefix(imagePrefix(productId, imageId));
}

/** Orders the product's READY images; the first one is its primary image. */
export async function reorderImages(
  deps: Pick<ImageDeps, "images" | "clock">,
  admin: UserPrincipal,
  productId: string,
  body: ReorderImagesBody,
): Promise<Product> {
  requireAdmin(admin);
  if (!isUuid(productId)) throw new NotFoundError("Product", productId);
  return deps.images.reorder(productId, body.order, new Date(deps.clock.nowMs()).toISOString());
}

export type UploadOutcome = "READY" | "REJECTED" | "SKIPPED";

/**
 * The image processor's use case, for one `ObjectCreated` event: decodes the upload, and either writes its
 * renditions and attaches the image (READY), or records why not (REJECTED). The upload itself, with whatever
 * metadata it carried, is deleted either way, and so is an upload for an image that is no longer PROCESSING
 * (a file re-sent to a used key, a deleted image). A re-delivered event changes nothing.
 */
export async function processUploadedImage(
  deps: Pick<ImageDeps, "images" | "clock" | "ids"> & {
    objects: ImageObjects;
    processor: ImageProcessor;
    /** The CDN's base URL for rendition keys (`https://d1234.cloudfront.net`). */
    publicUrl: (key: string) => string;
  },
  key: string,
): Promise<UploadOutcome> {
  const names = parseUploadKey(key);
  if (!names) return "SKIPPED";
  const image = await deps.images.get(names.imageId);
  if (!image || image.productId !== names.productId || image.status !== "PROCESSING") {
    await deps.objects.deletePrefix(key);
    return "SKIPPED";
  }
  const bytes = await deps.objects.read(key);
  if (!bytes) return "SKIPPED";
  const result = await deps.processor.process(bytes, image.contentType);
  const at = () => new Date(deps.clock.nowMs()).toISOString();
  if (!result.ok) {
    // Recorded first: if deleting the upload fails, the retried event finds it REJECTED and deletes it.
    const rejected = await deps.images.markRejected(image, result.reason, at());
    await deps.objects.deletePrefix(key);
    return rejected ? "REJECTED" : "SKIPPED";
  }
  const run = deps.ids.timeOrdered(deps.clock.nowMs());
  const renditions = [];
  for (const r of result.renditions) {
    const renditionAt = renditionKey(image.productId, image.imageId, run, r.name);
    await deps.objects.write(renditionAt, r.bytes, r.contentType);
    renditions.push({
      name: r.name,
      width: r.width,
      height: r.height,
      contentType: r.contentType,
      url: deps.publicUrl(renditionAt),
    });
  }
  const ref: ProductImageRef = {
    imageId: image.imageId,
    width: result.width,
    height: result.height,
    renditions,
  };
  const attached = await deps.images.markReady(image, ref, at());
  // Another run attached the image first, or it was deleted meanwhile: this run's renditions belong to
  // nothing (the winner's, under their own run, stay).
  if (!attached) await deps.objects.deletePrefix(`${imagePrefix(image.productId, image.imageId)}${run}/`);
  await deps.objects.deletePrefix(key);
  return attached ? "READY" : "SKIPPED";
}
