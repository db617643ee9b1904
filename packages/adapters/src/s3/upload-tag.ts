/**
 * The tag every image upload carries (its presigned POST sets it): the bucket's lifecycle rule expires tagged
 * objects after a day, so an upload that was never processed does not stay. S3 lifecycle filters take a
 * literal prefix, no wildcard, so a tag is the only way to single out `products/<id>/uploads/` objects.
 */
export const UPLOAD_TAG = { key: "meridian:upload", value: "true" } as const;

/** The `tagging` form field of a POST upload: S3's XML tag set. */
export const UPLOAD_TAGGING = `<Tagging><TagSet><Tag><Key>${UPLOAD_TAG.key}</Key><Value>${UPLOAD_TAG.value}</Value></Tag></TagSet></Tagging>`;
