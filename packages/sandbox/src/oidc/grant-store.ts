import { BoundedMap } from "./bounded-map.ts";
import { CODE_TTL_MS, MAX_ENTRIES, REFRESH_TOKEN_TTL_MS } from "./options.ts";
import { type Grant, opaqueToken } from "./tokens.ts";

/** What a one-time code is bound to. */
export interface CodeGrant {
  grant: Grant;
  redirectUri: string;
  codeChallenge: string;
}

interface CodeEntry extends CodeGrant {
  expiresAt: number;
  /** Set once the code is presented: a second presentation is a replay. */
  used: boolean;
  /** The refresh token its redemption issued, revoked if the code is replayed. */
  refreshToken?: string;
}

interface RefreshEntry {
  grant: Grant;
  expiresAt: number;
}

export type Redemption = { ok: true; code: CodeGrant } | { ok: false; reason: "unknown" | "replayed" };

/**
 * Codes and refresh tokens, in memory only (a restarted sandbox forgets them: users sign in again), each
 * map capped at `MAX_ENTRIES` and expiring its entries.
 */
export class GrantStore {
  readonly #codes: BoundedMap<CodeEntry>;
  readonly #refreshTokens: BoundedMap<RefreshEntry>;

  constructor(private readonly now: () => number) {
    this.#codes = new BoundedMap(MAX_ENTRIES, now);
    this.#refreshTokens = new BoundedMap(MAX_ENTRIES, now);
  }

  /** A fresh one-time code (32 random bytes, base64url), valid `CODE_TTL_MS`. */
  issueCode(code: CodeGrant): string {
    const value = opaqueToken();
    this.#codes.set(value, { ...code, expiresAt: this.now() + CODE_TTL_MS, used: false });
    return value;
  }

  /**
   * Spends a code: the first presentation gets its grant, whatever the outcome of the checks that follow
   * (as Cognito, a failed redemption burns the code); a later one is a replay, which also revokes the
   * refresh token the first one was given (OAuth 2.1 §4.1.3).
   */
  redeemCode(value: string): Redemption {
    const entry = this.#codes.get(value);
    if (!entry) return { ok: false, reason: "unknown" };
    if (entry.used) {
      if (entry.refreshToken) this.#refreshTokens.delete(entry.refreshToken);
      return { ok: false, reason: "replayed" };
    }
    entry.used = true;
    const { grant, redirectUri, codeChallenge } = entry;
    return { ok: true, code: { grant, redirectUri, codeChallenge } };
  }

  /** A refresh token for the grant a code stood for, remembered on the code for replay revocation. */
  issueRefreshToken(codeValue: string, grant: Grant): string {
    const value = opaqueToken();
    this.#refreshTokens.set(value, { grant, expiresAt: this.now() + REFRESH_TOKEN_TTL_MS });
    const entry = this.#codes.get(codeValue);
    if (entry) entry.refreshToken = value;
    return value;
  }

  refreshGrant(value: string): Grant | undefined {
    return this.#refreshTokens.get(value)?.grant;
  }

  revokeRefreshToken(value: string): void {
    this.#refreshTokens.delete(value);
  }
}
