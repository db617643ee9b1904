import { AppError } from "../shared/errors.ts";

export class ImageLimitReachedError extends AppError {
  readonly status = 409;
  readonly code = "IMAGE_LIMIT_REACHED";

  constructor(productId: string, max: number) {
    super(`Product ${productId} already holds ${max} images, the most it may; delete one first`, { max });
  }
}

/** A deployment without an images bucket (the stage has none yet): uploads cannot be signed or processed. */
export class ImageUploadsNotConfiguredError extends AppError {
  readonly status = 501;
  readonly code = "IMAGE_UPLOADS_NOT_CONFIGURED";

  constructor() {
    super("This deployment has no images bucket, so it takes no image uploads");
  }

  /** Nothing internal to hide: it says what the deployment lacks. */
  override get expose(): boolean {
    return true;
  }
}

/** A new order of a product's images that does not name each of its READY images exactly once. */
export class ImageOrderMismatchError extends AppError {
  readonly status = 409;
  readonly code = "IMAGE_ORDER_MISMATCH";

  constructor(productId: string, current: string[]) {
    super(`order must name each of product ${productId}'s READY images exactly once`, { current });
  }
}
