/**
 * The upload types the image processor accepts, recognized by their first bytes. The check runs before any
 * decoder sees the bytes, so a file of another kind (SVG, PDF, TIFF, HEIC, GIF: libvips reads them all) never
 * reaches a decoder, whatever its name or declared type.
 */
export const ACCEPTED_IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp"] as const;
export type AcceptedImageType = (typeof ACCEPTED_IMAGE_TYPES)[number];

/** sharp's `metadata().format` for each accepted type: the decoder must agree with the signature. */
export const SHARP_FORMAT: Record<AcceptedImageType, string> = {
  "image/jpeg": "jpeg",
  "image/png": "png",
  "image/webp": "webp",
};

const startsWith = (bytes: Uint8Array, at: number, prefix: readonly number[]) =>
  bytes.length >= at + prefix.length && prefix.every((byte, i) => bytes[at + i] === byte);

const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0));

/**
 * The accepted type whose signature the bytes start with, or undefined. JPEG: SOI and the next marker's
 * 0xFF (`FF D8 FF`); PNG: its 8-byte signature; WebP: a RIFF container (`RIFF`, length, `WEBP`).
 *
 * @example
 * sniffImageType(new TextEncoder().encode("hello")); // undefined
 */
export function sniffImageType(bytes: Uint8Array): AcceptedImageType | undefined {
  if (startsWith(bytes, 0, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(bytes, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(bytes, 0, ascii("RIFF")) && startsWith(bytes, 8, ascii("WEBP"))) return "image/webp";
  return undefined;
}
