import { BUDGETS, loadOnce } from "@meridian/core";
import type { Context, Handler } from "hono";
import {
  DOCS_CONTENT_SECURITY_POLICY,
  docsPage,
  INIT_SCRIPT,
  INIT_SCRIPT_SOURCE,
  loadRenderer,
  RENDERER_SCRIPT,
  RENDERER_STYLE,
  type RendererAssets,
} from "../docs/renderer.ts";
import type { AppEnv } from "../env.ts";
import type { OpenApiDocument } from "./openapi-document.ts";
import { type ApiBuilder, tracedAs } from "./route.ts";

const DOCUMENT_PATH = "/openapi.json";

/** A text answer with its type and caching; the `/docs` page also with its own CSP (kept by securityHeaders). */
function text(
  c: Context<AppEnv>,
  body: string | Uint8Array<ArrayBuffer>,
  type: string,
  cache: string,
  policy?: string,
) {
  c.header("Content-Type", `${type}; charset=utf-8`);
  c.header("Cache-Control", cache);
  if (policy) c.header("Content-Security-Policy", policy);
  return c.body(body);
}

/**
 * `GET /openapi.json` (OpenAPI 3.1 from the route schemas) and the reference at `/docs`: Swagger UI served
 * from this server (decision 0021). The generator and the renderer's 1.9 MB are each imported on the first
 * request that needs them, not when the app is built: a Lambda cold start serving `POST /epoch` loads
 * neither.
 */
export function docsRoutes({ app, routes, trace }: ApiBuilder) {
  const info = {
    title: "Meridian API",
    version: "0.2.0",
    description:
      "Record and read timestamps; a catalog and orders processed from a DynamoDB stream.\n\n" +
      '- Errors are JSON `{"error": {"code", "message", "requestId"}}` (some with `details`); `code` ' +
      "is stable and machine-readable.\n" +
      "- Every response has an `X-Request-Id` header.\n" +
      `- Any request may answer 503 SERVICE_UNAVAILABLE with \`Retry-After\` when a dependency stalls (within ${BUDGETS.http.requestMs / 1000} s): ` +
      "a write may or may not have been made, so retry with the same `Idempotency-Key`, which never writes twice.\n\n" +
      "To try a request, press **Authorize** and give an API key (`x-api-key`) or a bearer token " +
      "(locally: the key the sandbox printed, or `npm run -s token`).",
  };
  // Generated on the first request for it; a failed generation is tried again by the next one.
  const openapi = loadOnce(async (): Promise<OpenApiDocument> => {
    const { openApiDocument } = await import("./openapi-document.ts");
    return openApiDocument(routes, info, {
      ApiKey: { type: "apiKey", in: "header", name: "x-api-key" },
      Bearer: {
        type: "http",
        scheme: "bearer",
        bearerFormat: "JWT",
        description:
          "An access token from the Cognito user pool (ID tokens are refused; locally: `npm run -s token`).",
      },
    });
  });
  const renderer = loadOnce(loadRenderer);
  // The renderer's paths carry its version: a browser may keep its files for good.
  const forGood = "public, max-age=31536000, immutable";
  const asset = (name: keyof RendererAssets, type: string) => async (c: Context<AppEnv>) => {
    const { plain, gzipped } = await renderer();
    const gzip = /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
    c.header("Vary", "Accept-Encoding");
    if (gzip) c.header("Content-Encoding", "gzip");
    return text(c, gzip ? gzipped[name] : plain[name], type, forGood);
  };

  // Not operations of the API (the document leaves them out), so not `mount`ed; traced by method and path.
  const get = (path: string, handler: Handler<AppEnv>) =>
    app.on("GET", path, ...([...tracedAs(trace, `GET ${path}`), handler] as [Handler<AppEnv>]));
  get(DOCUMENT_PATH, async (c) => c.json(await openapi()));
  get("/docs", (c) =>
    text(c, docsPage(info.title, DOCUMENT_PATH), "text/html", "no-cache", DOCS_CONTENT_SECURITY_POLICY),
  );
  get(INIT_SCRIPT, (c) => text(c, INIT_SCRIPT_SOURCE, "text/javascript", "no-cache"));
  get(RENDERER_SCRIPT, asset("script", "text/javascript"));
  get(RENDERER_STYLE, asset("style", "text/css"));
}
