import { createHash, createHmac } from "node:crypto";

/**
 * Cognito's side of USER_SRP_AUTH, for tests: the 3072-bit group of RFC 3526 (g = 2) and the derivations of
 * the Amazon Cognito Identity SDK's AuthenticationHelper, computed here independently of cognito-srp-helper,
 * so a test can check that a client's PASSWORD_CLAIM_SIGNATURE proves the right password for the right user.
 */
const N = BigInt(
  `0x${[
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
  ].join("")}`,
);
const g = 2n;

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = ((base % modulus) + modulus) % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/** Java's BigInteger.toByteArray() in hex: even length, a leading 00 when the top bit is set. */
function padHex(n: bigint): string {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return /^[89a-f]/i.test(hex) ? `00${hex}` : hex;
}
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hexHash = (hex: string) => sha256(Buffer.from(hex, "hex"));
const k = BigInt(`0x${hexHash(padHex(N) + padHex(g))}`);

export interface SrpServer {
  /** The challenge parameters Cognito answers InitiateAuth with. */
  challenge: { SALT: string; SRP_B: string; SECRET_BLOCK: string; USER_ID_FOR_SRP: string; USERNAME: string };
  /** The signature a client that knows `password` sends for this challenge, its A and its timestamp. */
  expectedSignature(srpA: string, timestamp: string): string;
}

/** A user `userId` of pool `poolId` whose password is `password`, and one sign-in's server values. */
export function srpServer(poolId: string, userId: string, password: string): SrpServer {
  const poolName = poolId.split("_")[1] ?? "";
  const salt = BigInt(`0x${createHash("sha256").update(`salt-${userId}`).digest("hex").slice(0, 32)}`);
  const x = BigInt(`0x${hexHash(padHex(salt) + sha256(`${poolName}${userId}:${password}`))}`);
  const v = modPow(g, x, N);
  const b = BigInt(`0x${createHash("sha256").update(`b-${userId}`).digest("hex")}`);
  const B = (k * v + modPow(g, b, N)) % N;
  const secretBlock = Buffer.from(`secret-block-of-${userId}`).toString("base64");
  return {
    challenge: {
      SALT: padHex(salt),
      SRP_B: B.toString(16),
      SECRET_BLOCK: secretBlock,
      USER_ID_FOR_SRP: userId,
      USERNAME: userId,
    },
    expectedSignature(srpA, timestamp) {
      const A = BigInt(`0x${srpA}`);
      const u = BigInt(`0x${hexHash(padHex(A) + padHex(B))}`);
      const S = modPow(A * modPow(v, u, N), b, N);
      const prk = createHmac("sha256", Buffer.from(padHex(u), "hex"))
        .update(Buffer.from(padHex(S), "hex"))
        .digest();
      const key = createHmac("sha256", prk)
        .update(Buffer.concat([Buffer.from("Caldera Derived Key"), Buffer.from([1])]))
        .digest()
        .subarray(0, 16);
      return createHmac("sha256", key)
        .update(
          Buffer.concat([
            Buffer.from(poolName),
            Buffer.from(userId),
            Buffer.from(secretBlock, "base64"),
            Buffer.from(timestamp),
          ]),
        )
        .digest("base64");
    },
  };
}
