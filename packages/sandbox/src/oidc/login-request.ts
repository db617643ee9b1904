import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import * as z from "zod/mini";

/** A validated authorization request, carried by the sign-in form from the GET to its POST. */
export interface LoginRequest {
  clientId: string;
  redirectUri: string;
  state?: string;
  codeChallenge: string;
  scope: string;
  nonce?: string;
}

const signedSchema = z.object({
  clientId: z.string(),
  redirectUri: z.string(),
  state: z.optional(z.string()),
  codeChallenge: z.string(),
  scope: z.string(),
  nonce: z.optional(z.string()),
  expiresAt: z.number(),
});

/**
 * Seals a login request into the form's hidden `request` field: base64url JSON and an HMAC-SHA256 of it
 * under a random per-process secret. The POST only acts on a request this process rendered (and the
 * page's script-less origin makes it unreadable to other sites), which is what stops a cross-site form
 * from signing a browser in; the fields are validated again all the same.
 */
export function loginRequestSealer(ttlMs: number, now: () => number) {
  const secret = randomBytes(32);
  const mac = (payload: string) => createHmac("sha256", secret).update(payload).digest();
  return {
    seal(request: LoginRequest): string {
      const payload = Buffer.from(JSON.stringify({ ...request, expiresAt: now() + ttlMs })).toString(
        "base64url",
      );
      return `${payload}.${mac(payload).toString("base64url")}`;
    },
    /** The request, or undefined when the field was altered, made by another process or is too old. */
    open(sealed: string): LoginRequest | undefined {
      const [payload, signature, extra] = sealed.split(".");
      if (!payload || !signature || extra !== undefined) return undefined;
      const expected = mac(payload);
      const actual = Buffer.from(signature, "base64url");
      if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
      let json: unknown;
      try {
        json = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
      } catch {
        return undefined;
      }
      const parsed = signedSchema.safeParse(json);
      if (!parsed.success || parsed.data.expiresAt <= now()) return undefined;
      const { expiresAt: _, ...request } = parsed.data;
      return request;
    },
  };
}

export type LoginRequestSealer = ReturnType<typeof loginRequestSealer>;
