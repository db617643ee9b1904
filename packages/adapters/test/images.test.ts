import { crc32 } from "node:zlib";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { processUpload, sniffImageType } from "../src/images/index.ts";

// Every image is made here by sharp itself: no binary fixtures.
const solid = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } } });

/** A JPEG whose EXIF carries a camera, a position (GPS IFD) and an orientation, plus an XMP packet. */
async function jpegWithGps(width: number, height: number, orientation = 1): Promise<Buffer> {
  const bytes = await solid(width, height)
    .jpeg()
    .withExif({
      IFD0: { Make: "MeridianCam", Model: "Test 1" },
      IFD3: {
        GPSLatitudeRef: "N",
        GPSLatitude: "52/1 31/1 1234/100",
        GPSLongitudeRef: "E",
        GPSLongitude: "13/1 24/1 0/1",
      },
    })
    .withMetadata({ orientation })
    .withXmp(
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>',
    )
    .toBuffer();
  // Prepared as intended: the metadata is really in the upload.
  const meta = await sharp(bytes).metadata();
  expect(meta.exif?.toString("latin1")).toContain("MeridianCam");
  expect(hasGpsIfd(meta.exif)).toBe(true);
  expect(meta.xmp).toBeDefined();
  expect(meta.orientation).toBe(orientation);
  return bytes;
}

/** Whether raw EXIF (`Exif\0\0` + TIFF) holds the GPS IFD pointer, tag 0x8825, in the TIFF's byte order. */
function hasGpsIfd(exif: Buffer | undefined): boolean {
  if (!exif) return false;
  const tiff = exif.indexOf("II") === 6 ? "II" : "MM";
  return exif.includes(Buffer.from(tiff === "II" ? [0x25, 0x88] : [0x88, 0x25]), 8);
}

/** A real PNG whose IHDR is rewritten to declare `width` × `height` (CRC fixed): a few hundred bytes. */
async function pngDeclaring(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await solid(8, 8).png().toBuffer());
  // Signature (8) + IHDR length (4) + "IHDR" (4), then width and height, then the rest of IHDR (5) and its CRC.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

/** A real JPEG whose baseline frame header (SOF0) is rewritten to declare `width` × `height`. */
async function jpegDeclaring(width: number, height: number): Promise<Buffer> {
  const jpeg = Buffer.from(await solid(8, 8).jpeg().toBuffer());
  const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
  expect(sof).toBeGreaterThan(0);
  // FFC0, length (2), precision (1), then height and width (2 each).
  jpeg.writeUInt16BE(height, sof + 5);
  jpeg.writeUInt16BE(width, sof + 7);
  return jpeg;
}

describe("processUpload", () => {
  it("keeps no EXIF (GPS included), XMP or ICC profile in any rendition, and they decode as WebP", async () => {
    const upload = await jpegWithGps(1600, 1200);

    const result = await processUpload(upload, "image/jpeg");

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.renditions.map((r) => r.name)).toEqual(["320", "1280"]);
    for (const rendition of result.renditions) {
      const meta = await sharp(rendition.bytes).metadata();
      expect(meta.format).toBe("webp");
      expect(rendition.contentType).toBe("image/webp");
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.icc).toBeUndefined();
      expect(meta.orientation).toBeUndefined();
      // And its pixels decode: the colour of the original, as sRGB.
      const { data, info } = await sharp(rendition.bytes).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([rendition.width, rendition.height]);
      expect(data.length).toBe(rendition.width * rendition.height * info.channels);
      expect(Math.abs((data[0] ?? 0) - 200)).toBeLessThan(12);
    }
  });

  it("converts an image with a wide-gamut ICC profile to sRGB, so its colours survive the profile's removal", async () => {
    // sRGB (200, 100, 50) transformed into Display P3 and tagged with that profile, as a phone camera writes it.
    const upload = await sharp({
      create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 100, b: 50 } },
    })
      .jpeg({ quality: 95 })
      .withIccProfile("p3")
      .toBuffer();
    const stored = await sharp(upload, { ignoreIcc: true }).raw().toBuffer();
    // Prepared as intended: the stored numbers are P3's, visibly not the sRGB ones.
    expect((await sharp(upload).metadata()).icc).toBeDefined();
    expect(Math.abs((stored[0] ?? 0) - 200) + Math.abs((stored[2] ?? 0) - 50)).toBeGreaterThan(15);

    const result = await processUpload(upload, "image/jpeg");

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const rendition = result.renditions[0];
    if (!rendition) throw new Error("no rendition");
    expect((await sharp(rendition.bytes).metadata()).icc).toBeUndefined();
    const pixel = [...(await sharp(rendition.bytes).raw().toBuffer()).subarray(0, 3)];
    for (const [channel, expected] of [200, 100, 50].entries()) {
      expect(Math.abs((pixel[channel] ?? 0) - expected)).toBeLessThan(8);
    }
  });

  it("turns the image upright by its EXIF orientation before the orientation is dropped", async () => {
    // Orientation 6: stored 600 wide and 400 high, shown rotated 90° clockwise (400 × 600).
    const upload = await jpegWithGps(600, 400, 6);

    const result = await processUpload(upload, "image/jpeg");

    expect(result).toMatchObject({ ok: true, width: 400, height: 600 });
    if (!result.ok) return;
    expect(result.renditions.map((r) => [r.name, r.width, r.height])).toEqual([
      ["320", 320, 480],
      ["1280", 400, 600],
    ]);
  });

  it("scales down to each width and never enlarges", async () => {
    const large = await processUpload(await solid(2000, 1000).png().toBuffer(), "image/png");
    const small = await processUpload(await solid(200, 100).webp().toBuffer(), "image/webp");

    expect(large).toMatchObject({ ok: true, width: 2000, height: 1000 });
    expect(large.ok && large.renditions.map((r) => [r.width, r.height])).toEqual([
      [320, 160],
      [1280, 640],
    ]);
    expect(small).toMatchObject({ ok: true, width: 200, height: 100 });
    expect(small.ok && small.renditions.map((r) => [r.name, r.width, r.height])).toEqual([
      ["320", 200, 100],
      ["1280", 200, 100],
    ]);
  });

  it("refuses a text file declared as image/png as NOT_AN_IMAGE, and so an image of a type not accepted", async () => {
    const text = new TextEncoder().encode("name,price\nlamp,1999\n");
    const gif = await solid(10, 10).gif().toBuffer();

    expect(await processUpload(text, "image/png")).toMatchObject({ ok: false, reason: "NOT_AN_IMAGE" });
    expect(await processUpload(new Uint8Array(0), "image/jpeg")).toMatchObject({
      ok: false,
      reason: "NOT_AN_IMAGE",
    });
    expect(await processUpload(gif, "image/png")).toMatchObject({ ok: false, reason: "NOT_AN_IMAGE" });
  });

  it("refuses a real image of another type than declared as TYPE_MISMATCH", async () => {
    const png = await solid(50, 50).png().toBuffer();
    const webp = await solid(50, 50).webp().toBuffer();

    expect(await processUpload(png, "image/jpeg")).toMatchObject({ ok: false, reason: "TYPE_MISMATCH" });
    expect(await processUpload(webp, "image/png")).toMatchObject({ ok: false, reason: "TYPE_MISMATCH" });
  });

  it("refuses a header declaring 40000 × 40000 as TOO_MANY_PIXELS without decoding it", async () => {
    const pngBomb = await pngDeclaring(40_000, 40_000);
    const jpegBomb = await jpegDeclaring(40_000, 40_000);
    expect(pngBomb.length).toBeLessThan(1000);
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();

    const png = await processUpload(pngBomb, "image/png");
    const jpeg = await processUpload(jpegBomb, "image/jpeg");

    expect(png).toMatchObject({ ok: false, reason: "TOO_MANY_PIXELS" });
    expect(jpeg).toMatchObject({ ok: false, reason: "TOO_MANY_PIXELS" });
    // 1.6 billion pixels decoded would take seconds and gigabytes (4.8 GB as RGB).
    expect(performance.now() - started).toBeLessThan(1000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
  });

  it("follows maxPixels: the same header passes the size check under a higher limit", async () => {
    const upload = await solid(300, 200).jpeg().toBuffer();

    expect(await processUpload(upload, "image/jpeg", { maxPixels: 59_999 })).toMatchObject({
      ok: false,
      reason: "TOO_MANY_PIXELS",
    });
    expect(await processUpload(upload, "image/jpeg", { maxPixels: 60_000 })).toMatchObject({ ok: true });
  });

  it("refuses a truncated JPEG as CORRUPT_IMAGE", async () => {
    const jpeg = await sharp({
      create: {
        width: 400,
        height: 300,
        channels: 3,
        background: "#808080",
        noise: { type: "gaussian", mean: 128, sigma: 40 },
      },
    })
      .jpeg()
      .toBuffer();

    const result = await processUpload(jpeg.subarray(0, Math.floor(jpeg.length / 2)), "image/jpeg");

    expect(result).toMatchObject({ ok: false, reason: "CORRUPT_IMAGE" });
  });

  it("rejects options that could not work", async () => {
    const upload = await solid(10, 10).png().toBuffer();

    await expect(processUpload(upload, "image/png", { widths: [] })).rejects.toThrow(/widths/);
    await expect(processUpload(upload, "image/png", { quality: 0 })).rejects.toThrow(/quality/);
    await expect(processUpload(upload, "image/png", { maxPixels: 1.5 })).rejects.toThrow(/maxPixels/);
  });
});

describe("sniffImageType", () => {
  it("names the three accepted types by their first bytes and nothing else", async () => {
    expect(sniffImageType(await solid(4, 4).jpeg().toBuffer())).toBe("image/jpeg");
    expect(sniffImageType(await solid(4, 4).png().toBuffer())).toBe("image/png");
    expect(sniffImageType(await solid(4, 4).webp().toBuffer())).toBe("image/webp");
    expect(sniffImageType(await solid(4, 4).tiff().toBuffer())).toBeUndefined();
    expect(sniffImageType(new TextEncoder().encode("RIFF0000WAVE"))).toBeUndefined();
    expect(sniffImageType(new Uint8Array([0xff, 0xd8]))).toBeUndefined();
  });
});
