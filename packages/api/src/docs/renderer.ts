/**
 * The API reference page: Swagger UI (decision 0021) rendering `/openapi.json`, from files this server
 * serves itself (no CDN), with no inline script: the page loads the renderer and `init.js`, which reads
 * where the document is from the root element's `data-openapi` attribute.
 */
import swaggerUi from "swagger-ui-dist/package.json" with { type: "json" };

/** The renderer's two files, as text. */
export interface RendererAssets {
  script: string;
  style: string;
}

/** The renderer's files as they are, and gzipped (1.9 MB become 0.5 MB; no front door compresses them). */
export interface Renderer {
  plain: RendererAssets;
  gzipped: Record<keyof RendererAssets, Uint8Array<ArrayBuffer>>;
}

/**
 * Loads the renderer on first use: the source reads swagger-ui-dist's files, the Lambda bundle imports the
 * chunk that holds them (`#docs-renderer`); node:zlib is loaded then too, not on a cold start.
 */
export async function loadRenderer(): Promise<Renderer> {
  const [{ rendererAssets }, { gzipSync }] = await Promise.all([
    import("#docs-renderer"),
    import("node:zlib"),
  ]);
  const plain = await rendererAssets();
  const gzip = (text: string) => new Uint8Array(gzipSync(text));
  return { plain, gzipped: { script: gzip(plain.script), style: gzip(plain.style) } };
}

/** Where the renderer's files are served: versioned, so browsers may keep them for good. */
export const RENDERER_PATH = `/docs/swagger-ui-${swaggerUi.version}`;
export const RENDERER_SCRIPT = `${RENDERER_PATH}/swagger-ui-bundle.js`;
export const RENDERER_STYLE = `${RENDERER_PATH}/swagger-ui.css`;
export const INIT_SCRIPT = "/docs/init.js";

/**
 * The `/docs` page's own policy: scripts and styles from this origin only (the renderer and init.js; no
 * inline script, no `eval`), images from this origin or `data:` (the stylesheet's icons are data URIs),
 * requests ("try it out" and the document) to this origin only, no `<base>`, no form posts, no framing.
 * Swagger UI sets element styles from script (allowed: CSP governs style sheets and `style` attributes in
 * markup, not the CSSOM).
 */
export const DOCS_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The page: the renderer, its stylesheet and `init.js`; a note for browsers without JavaScript. */
export function docsPage(title: string, documentPath: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${RENDERER_STYLE}"></head>
<body><noscript><p>The reference needs JavaScript. The OpenAPI 3.1 document is at <a href="${documentPath}">${documentPath}</a>.</p></noscript>
<main id="reference" data-openapi="${documentPath}"></main>
<script src="${RENDERER_SCRIPT}"></script><script src="${INIT_SCRIPT}"></script></body></html>
`;
}

/**
 * Swagger UI's settings: schemas shown as models (fields, types, limits), expanded three levels, with
 * examples a tab away; "try it out" on, with the `Authorize` dialog for `x-api-key` and bearer tokens (kept
 * in the page only, not in storage); curl snippets; no online validator (it would send the document to
 * swagger.io) and no `?url=` (the page renders this API's document only).
 */
export const INIT_SCRIPT_SOURCE = `"use strict";
(function () {
  var root = document.getElementById("reference");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapi,
    domNode: root,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    docExpansion: "list",
    defaultModelRendering: "model",
    defaultModelExpandDepth: 3,
    defaultModelsExpandDepth: 1,
    showCommonExtensions: true,
    tryItOutEnabled: true,
    displayRequestDuration: true,
    requestSnippetsEnabled: true,
    persistAuthorization: false,
    queryConfigEnabled: false,
    validatorUrl: "none"
  });
})();
`;
