import { createHmac, timingSafeEqual } from "node:crypto";
import { InvalidCursorError } from "./errors.ts";

/**
 * Opaque pagination cursors: base64url JSON signed with HMAC-SHA256. The signature covers the listing
 * name, so a cursor can neither be edited nor replayed against another listing.
 *
 * @example
 * const cursors = createCursorCodec(secret);
 * const token = cursors.encode("epochs", { before: id });
 * cursors.decode("epochs", token); // { before: id }
 */
export interface CursorCodec {
  encode(listing: string, position: Record<string, string>): string;
  decode(listing: string, token: string): Record<string, string>;
}

export function createCursorCodec(secret: string): CursorCodec {
  const key = createHmac("sha256", secret).update("meridian:cursor:v1").digest();
  const sign = (listing: string, payload: string) =>
    createHmac("sha256", key).update(listing).update("\0").update(payload).digest().subarray(0, 16);

  return {
    encode(listing, position) {
      const payload = Buffer.from(JSON.stringify(position)).toString("base64url");
      return `${payload}.${sign(listing, payload).toString("base64url")}`;
    },
    decode(listing, token) {
      const [payload, signature, extra] = token.split(".");
      if (!payload || !signature || extra !== undefined) throw new InvalidCursorError();
      // Compare the exact text: base64url decoding is lenient, and only the token we issued is valid.
      const given = Buffer.from(signature);
      const expected = Buffer.from(sign(listing, payload).toString("base64url"));
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw new InvalidCursorError();
      const position: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
      if (typeof position !== "object" || position === null) throw new InvalidCursorError();
      return position as Record<string, string>;
    },
  };
}
