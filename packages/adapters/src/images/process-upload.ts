import sharp, { type Metadata } from "sharp";
import { type AcceptedImageType, SHARP_FORMAT, sniffImageType } from "./signatures.ts";

// Each upload is decoded once and never again: libvips' operation cache (by default up to 50 MB and 100
// operations per process) would only hold memory that a warm Lambda then carries from one upload to the next.
sharp.cache(false);

/** Why an upload is refused; the admin reads it on the image (`REJECTED` + reason). */
export type ImageRejectReason =
  /** The bytes are not a JPEG, PNG or WebP at all (a renamed text file, a PDF, an SVG, a GIF, nothing). */
  | "NOT_AN_IMAGE"
  /** A real image of another accepted type than the one declared (a PNG uploaded as image/jpeg). */
  | "TYPE_MISMATCH"
  /** Its header declares more pixels than `maxPixels`: refused before any pixel is decoded. */
  | "TOO_MANY_PIXELS"
  /** The right signature and header, but the pixel data does not decode (truncated, damaged). */
  | "CORRUPT_IMAGE";

export interface WebpRendition {
  /** The width it was made for ("320", "1280"): part of its key. Its real width is `width`. */
  name: string;
  width: number;
  height: number;
  contentType: "image/webp";
  bytes: Uint8Array;
}

export type ProcessUploadResult =
  | {
      ok: true;
      /** The original's dimensions as displayed, after its EXIF orientation is applied. */
      width: number;
      height: number;
      renditions: WebpRendition[];
    }
  | { ok: false; reason: ImageRejectReason /** For logs, not for users. */; detail: string };

export interface ImageProcessingOptions {
  /**
   * Most pixels (width × height, from the header) an upload may declare. Default 50 million: a 48-megapixel
   * phone photo passes, a decompression bomb (a few KB declaring 40000 × 40000) does not.
   */
  maxPixels?: number;
  /** Rendition widths in pixels; an image narrower than one is never enlarged. Default 320 and 1280. */
  widths?: readonly number[];
  /** WebP quality, 1–100. Default 80 (sharp's). */
  quality?: number;
}

export const DEFAULT_IMAGE_PROCESSING: Required<ImageProcessingOptions> = {
  maxPixels: 50_000_000,
  widths: [320, 1280],
  quality: 80,
};

function resolveOptions(options: ImageProcessingOptions): Required<ImageProcessingOptions> {
  const resolved = { ...DEFAULT_IMAGE_PROCESSING, ...options };
  const positiveInt = (value: number) => Number.isInteger(value) && value > 0;
  if (!positiveInt(resolved.maxPixels)) throw new RangeError(`maxPixels must be a positive integer`);
  if (resolved.widths.length === 0 || !resolved.widths.every(positiveInt)) {
    throw new RangeError(`widths must be positive integers, at least one`);
  }
  if (!positiveInt(resolved.quality) || resolved.quality > 100) throw new RangeError(`quality must be 1–100`);
  return resolved;
}

/**
 * Checks that `bytes` really are an image of the `declared` type and makes its WebP renditions. In order:
 * the first bytes must be the signature of an accepted type (no decoder runs on anything else) and of the
 * declared one; the header (read without decoding pixels) must declare at most `maxPixels`; then each
 * rendition decodes the image with that limit enforced by libvips too, turns it upright by its EXIF
 * orientation, scales it down to the rendition's width (never up) and encodes WebP. sharp writes no metadata
 * unless told to keep it, so no rendition carries the upload's EXIF (GPS included), XMP, IPTC or ICC
 * profile; the pixels are converted to sRGB, so the colours survive the profile's removal. An animated PNG or
 * WebP gives its first frame.
 *
 * A refusal is a result, not an error; errors are left for what retrying could fix.
 *
 * @example
 * const result = await processUpload(bytes, "image/jpeg");
 * if (!result.ok) console.log(result.reason); // e.g. TYPE_MISMATCH
 */
export async function processUpload(
  bytes: Uint8Array,
  declared: AcceptedImageType,
  options: ImageProcessingOptions = {},
): Promise<ProcessUploadResult> {
  const { maxPixels, widths, quality } = resolveOptions(options);
  const sniffed = sniffImageType(bytes);
  if (!sniffed) return { ok: false, reason: "NOT_AN_IMAGE", detail: "no JPEG, PNG or WebP signature" };
  if (sniffed !== declared) {
    return { ok: false, reason: "TYPE_MISMATCH", detail: `declared ${declared}, the bytes are ${sniffed}` };
  }

  let header: Metadata;
  try {
    // Parses the header only: dimensions, orientation and format, no pixel decoded.
    header = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    return { ok: false, reason: "CORRUPT_IMAGE", detail: `header: ${messageOf(error)}` };
  }
  if (header.format !== SHARP_FORMAT[declared]) {
    return {
      ok: false,
      reason: "TYPE_MISMATCH",
      detail: `declared ${declared}, decoded as ${header.format}`,
    };
  }
  const pixels = header.width * header.height;
  if (pixels > maxPixels) {
    return {
      ok: false,
      reason: "TOO_MANY_PIXELS",
      detail: `${header.width}x${header.height} is ${pixels} pixels, more than ${maxPixels}`,
    };
  }

  const renditions: WebpRendition[] = [];
  try {
    // One after the other, not in parallel: libvips already spreads each one over the cores, and a single
    // decode at a time keeps the peak memory (which sizes the Lambda) to one image's.
    for (const width of widths) {
      const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, autoOrient: true })
        .resize({ width, withoutEnlargement: true })
        .webp({ quality })
        .toBuffer({ resolveWithObject: true });
      renditions.push({
        name: String(width),
        width: info.width,
        height: info.height,
        contentType: "image/webp",
        bytes: data,
      });
    }
  } catch (error) {
    // The signature, format and size were checked above, so what fails here is the pixel data itself.
    return { ok: false, reason: "CORRUPT_IMAGE", detail: messageOf(error) };
  }
  return { ok: true, width: header.autoOrient.width, height: header.autoOrient.height, renditions };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
