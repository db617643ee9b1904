import type { ImageObjects, UploadSigner } from "@meridian/core";
import type { ImagesBucketOptions } from "./images-bucket.ts";

export type { ImagesBucketOptions } from "./images-bucket.ts";

/**
 * The images bucket, with the S3 client loaded on first use: the HTTP function's cold starts that serve
 * anything but an image upload never load it (it is a chunk of its own in the bundle, as jose is).
 */
export function lazyImagesBucket(options: ImagesBucketOptions): UploadSigner & ImageObjects {
  let loaded: Promise<UploadSigner & ImageObjects> | undefined;
  const bucket = () => {
    loaded ??= import("./images-bucket.ts")
      .then(
        ({ createImagesS3Client, S3ImagesBucket }) =>
          new S3ImagesBucket(createImagesS3Client(options), options.bucket),
      )
      .catch((error: unknown) => {
        loaded = undefined; // tried again by the next call
        throw error;
      });
    return loaded;
  };
  return {
    presignPost: async (request) => (await bucket()).presignPost(request),
    read: async (key) => (await bucket()).read(key),
    write: async (key, bytes, contentType) => (await bucket()).write(key, bytes, contentType),
    deletePrefix: async (prefix) => (await bucket()).deletePrefix(prefix),
  };
}
