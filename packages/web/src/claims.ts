/** What the dashboard reads from an access token: who the user is and whether they are an admin. */

/**
 * The payload of a JWT, decoded from its middle part (base64url JSON); undefined for anything that is not
 * one. Nothing is verified here: the API verifies every token it gets; the dashboard only decides what to show.
 */
export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const part = token.split(".")[1];
  if (!part) return undefined;
  try {
    const base64 = part
      .replace(/-/g, "+")
      .replace(/_/g, "/")
      .padEnd(Math.ceil(part.length / 4) * 4, "=");
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const payload: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof payload === "object" && payload !== null && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export type Role = "admin" | "customer";

/**
 * The role the API will grant: "admin" when the access token's `cognito:groups` holds "admin" (the claim
 * Cognito puts in access tokens, and the local issuer mirrors), "customer" otherwise.
 */
export function roleOf(accessToken: string | undefined): Role {
  const groups = accessToken ? decodeJwtPayload(accessToken)?.["cognito:groups"] : undefined;
  return Array.isArray(groups) && groups.includes("admin") ? "admin" : "customer";
}
