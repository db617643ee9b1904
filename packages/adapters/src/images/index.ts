// A subpath of its own (`@meridian/adapters/images`), not part of the package's main entry: it loads sharp's
// native libvips, which only the image processor needs and which a bundle cannot inline.
export * from "./process-upload.ts";
export * from "./signatures.ts";
