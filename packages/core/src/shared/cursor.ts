import { createHmac, timingSafeEqual } from "node:crypto";
import { type AppSecret, toAppSecret } from "./app-secret.ts";
import { InvalidCursorError } from "./errors.ts";

/**
 * Opaque pagination cursors: base64url JSON signed with HMAC-SHA256. The signature covers the listing
 * name, so a cursor can neither be edited nor replayed against another listing. New cursors are signed
 * with the app secret's current version; a cursor signed with any version still in the ring is accepted,
 * so one handed out before a rotation keeps working until its version is retired.
 *
 * @example
 * const cursors = createCursorCodec(secret); // an AppSecret, or the app secret's text
 * const token = cursors.encode("epochs", { before: id });
 * cursors.decode("epochs", token); // { before: id }
 */
export interface CursorCodec {
  encode(listing: string, position: Record<string, string>): string;
  decode(listing: string, token: string): Record<string, string>;
}

export function createCursorCodec(secret: AppSecret | string): CursorCodec {
  const ring = toAppSecret(secret);
  // "v1" is the cursor format, not the app secret version: each version's key is derived the same way.
  const keyOf = (version: string) =>
    createHmac("sha256", ring.secrets[version] as string)
      .update("meridian:cursor:v1")
      .digest();
  const current = keyOf(ring.current);
  // The current key first: what this codec issued is checked with one HMAC.
  const accepted = [
    current,
    ...Object.keys(ring.secrets)
      .filter((v) => v !== ring.current)
      .map(keyOf),
  ];
  const sign = (key: Buffer, listing: string, payload: string) =>
    createHmac("sha256", key).update(listing).update("\0").update(payload).digest().subarray(0, 16);

  return {
    encode(listing, position) {
      const payload = Buffer.from(JSON.stringify(position)).toString("base64url");
      return `${payload}.${sign(current, listing, payload).toString("base64url")}`;
    },
    decode(listing, token) {
      const [payload, signature, extra] = token.split(".");
      if (!payload || !signature || extra !== undefined) throw new InvalidCursorError();
      // Compare the exact text: base64url decoding is lenient, and only the token we issued is valid.
      const given = Buffer.from(signature);
      const signedBy = (key: Buffer) => {
        const expected = Buffer.from(sign(key, listing, payload).toString("base64url"));
        return given.length === expected.length && timingSafeEqual(given, expected);
      };
      if (!accepted.some(signedBy)) throw new InvalidCursorError();
      const position: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
      if (typeof position !== "object" || position === null) throw new InvalidCursorError();
      return position as Record<string, string>;
    },
  };
}
