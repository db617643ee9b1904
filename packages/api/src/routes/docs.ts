import { BUDGETS, loadOnce } from "@meridian/core";
import type { Handler } from "hono";
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { AppEnv } from "../env.ts";
import type { OpenApiDocument, Operation } from "./openapi-document.ts";
import { type ApiBuilder, tracedAs } from "./route.ts";

function operationHtml(
  method: string,
  path: string,
  op: Operation,
): HtmlEscapedString | Promise<HtmlEscapedString> {
  const params = op.parameters ?? [];
  const body = op.requestBody?.content["application/json"]?.schema;
  return html`<section>
  <h2><span class="m ${method}">${method.toUpperCase()}</span> <code>${path}</code></h2>
  <p>${op.summary ?? ""}${op.security?.length ? ` · needs ${op.security.map((scheme) => (Object.keys(scheme)[0] === "Bearer" ? "a bearer token" : "x-api-key")).join(" or ")}` : ""}</p>
  ${op.description ? html`<p>${op.description}</p>` : ""}
  ${params.length ? html`<h3>Parameters</h3><ul>${params.map((p) => html`<li><code>${p.name}</code> (${p.in}${p.required ? ", required" : ""}) ${p.description ?? ""}</li>`)}</ul>` : ""}
  ${body ? html`<h3>JSON body</h3><pre>${JSON.stringify(body, null, 2)}</pre>` : ""}
  <h3>Responses</h3><ul>${Object.entries(op.responses).map(([status, r]) => html`<li><b>${status}</b> ${r.description}</li>`)}</ul>
</section>`;
}

/**
 * `GET /openapi.json` (OpenAPI 3.1 from the route schemas) and a self-contained reference page at `/docs`.
 * The generator is imported and run on the first of these requests, not when the app is built: a Lambda
 * cold start serving `POST /epoch` neither loads nor runs it.
 */
export function docsRoutes({ app, routes, trace }: ApiBuilder) {
  const info = {
    title: "Meridian API",
    version: "0.2.0",
    description:
      "Record and read timestamps; a catalog and orders processed from a DynamoDB stream. Any request may " +
      `answer 503 SERVICE_UNAVAILABLE with Retry-After when a dependency stalls (within ${BUDGETS.http.requestMs / 1000} s): a write may ` +
      "or may not have been made, so retry with the same Idempotency-Key, which never writes twice.",
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

  // Not operations of the API (the document leaves them out), so not `mount`ed; traced by method and path.
  const get = (path: string, handler: Handler<AppEnv>) =>
    app.on("GET", path, ...([...tracedAs(trace, `GET ${path}`), handler] as [Handler<AppEnv>]));
  get("/openapi.json", async (c) => c.json(await openapi()));
  get("/docs", async (c) => {
    const doc = await openapi();
    const sections = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => operationHtml(method, path, op)),
    );
    return c.html(html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${info.title} reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${raw(`body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
section{border-top:1px solid #ddd;padding:.5rem 0}h2{font-size:1.1rem}h3{font-size:.95rem;margin-bottom:.2rem}
pre{background:#f6f6f6;padding:.6rem;overflow:auto;font-size:.85rem}.m{display:inline-block;min-width:3.5rem;padding:.05rem .4rem;border-radius:4px;color:#fff;font-size:.8rem;text-align:center}
.get{background:#2b7bb9}.post{background:#3a9b4a}.patch{background:#b98a2b}.delete{background:#b93a2b}`)}</style></head>
<body><h1>${info.title}</h1><p>${info.description} Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).
Errors are <code>{"error": {"code", "message", "requestId"}}</code>; every response has an <code>X-Request-Id</code> header.</p>
${sections}</body></html>`);
  });
}
