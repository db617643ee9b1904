import type { IncomingMessage, ServerResponse } from "node:http";
import { S3Error } from "./errors.ts";

/** One CORS rule, as a bucket's CORS configuration holds it (the CDK app gives the images bucket the same). */
export interface S3CorsRule {
  allowedOrigins: string[];
  allowedMethods: ("GET" | "PUT" | "POST" | "DELETE" | "HEAD")[];
  /** Headers a preflight may ask for (`Access-Control-Request-Headers`); none by default, as in S3. */
  allowedHeaders?: string[];
  maxAgeSeconds?: number;
}

const NOT_ALLOWED =
  "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request " +
  "method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the " +
  "resource's CORS spec.";

function ruleFor(
  rules: readonly S3CorsRule[],
  origin: string,
  method: string,
  headers: string[],
): S3CorsRule | undefined {
  return rules.find(
    (rule) =>
      (rule.allowedOrigins.includes(origin) || rule.allowedOrigins.includes("*")) &&
      (rule.allowedMethods as string[]).includes(method) &&
      headers.every((header) =>
        (rule.allowedHeaders ?? []).some((allowed) => allowed.toLowerCase() === header),
      ),
  );
}

/**
 * S3's CORS, for the browser that POSTs an upload form straight to the store (an XMLHttpRequest with
 * upload progress is always preflighted). A preflight (`OPTIONS` with `Origin` and
 * `Access-Control-Request-Method`) is answered here: 200 with the allowed origin and method when a rule
 * matches, S3's 403 otherwise. Other requests from a matching origin get `Access-Control-Allow-Origin` on
 * their answer; the request itself is authorized as any other. Returns whether the request was answered.
 */
export function applyCors(rules: readonly S3CorsRule[], req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  if (req.method === "OPTIONS") {
    const method = req.headers["access-control-request-method"];
    if (!origin || typeof method !== "string")
      throw new S3Error(400, "BadRequest", "Insufficient information. Origin request header needed.");
    const headers = (req.headers["access-control-request-headers"] ?? "")
      .split(",")
      .map((header) => header.trim().toLowerCase())
      .filter(Boolean);
    if (rules.length === 0)
      throw new S3Error(403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.");
    const rule = ruleFor(rules, origin, method, headers);
    if (!rule)
      throw new S3Error(403, "AccessForbidden", NOT_ALLOWED, { Method: method, ResourceType: "OBJECT" });
    res.writeHead(200, {
      "access-control-allow-origin": rule.allowedOrigins.includes("*") ? "*" : origin,
      "access-control-allow-methods": method,
      ...(headers.length ? { "access-control-allow-headers": headers.join(", ") } : {}),
      ...(rule.maxAgeSeconds ? { "access-control-max-age": String(rule.maxAgeSeconds) } : {}),
      vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
      "content-length": 0,
    });
    res.end();
    return true;
  }
  if (origin && req.method) {
    const rule = ruleFor(rules, origin, req.method, []);
    if (rule) {
      res.setHeader("access-control-allow-origin", rule.allowedOrigins.includes("*") ? "*" : origin);
      res.setHeader("access-control-allow-methods", rule.allowedMethods.join(", "));
      res.setHeader("vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
    }
  }
  return false;
}
