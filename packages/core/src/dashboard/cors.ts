/**
 * What a browser page on another origin (the dashboard on CloudFront, a developer's local page) may send to
 * the API and read back. One definition for whoever answers CORS: API Gateway's HTTP API (the CDK app
 * configures it with these) and the app itself behind the REST API and the ALB (`corsHeaders`).
 */

/** The methods the API's routes use (PATCH: `PATCH /products/{id}`), and the preflight's own. */
export const CORS_ALLOW_METHODS = ["GET", "POST", "PATCH", "OPTIONS"] as const;

/** Headers browsers may send across origins. */
export const CORS_ALLOW_HEADERS = ["content-type", "authorization", "x-api-key", "idempotency-key"];

/** Headers of an answer that the page's script may read, besides the CORS-safelisted ones. */
export const CORS_EXPOSE_HEADERS = ["x-request-id", "location", "idempotent-replayed", "retry-after"];

/** How long a browser may reuse a preflight's answer: one hour. */
export const CORS_MAX_AGE_SECONDS = 3600;
