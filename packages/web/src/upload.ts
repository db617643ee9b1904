import type { ImageUpload } from "./types.ts";

/** An upload the storage refused (the presigned policy's size or type, an expired signature). */
export class UploadRefusedError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(
      status === 0 ? "The upload did not reach the storage" : `The storage refused the upload (${status})`,
    );
    this.name = "UploadRefusedError";
    this.status = status;
  }
}

/**
 * Sends a file with a presigned S3 POST: the policy's fields first, then `file` (S3 ignores fields after it).
 * XMLHttpRequest rather than fetch, because only it reports upload progress.
 */
export function postUpload(
  upload: ImageUpload["upload"],
  file: File,
  onProgress: (loaded: number, total: number) => void,
): Promise<void> {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append("file", file);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", upload.url);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve();
      } else reject(new UploadRefusedError(xhr.status));
    };
    xhr.onerror = () => reject(new UploadRefusedError(0));
    xhr.ontimeout = () => reject(new UploadRefusedError(0));
    xhr.timeout = 120_000;
    xhr.send(form);
  });
}
