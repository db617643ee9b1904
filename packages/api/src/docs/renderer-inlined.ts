/**
 * The reference page's renderer inside a Lambda bundle: esbuild (condition `meridian-lambda`, see
 * `lambdaBuildOptions`) inlines both files as text into the chunk of this module, which only `import()`
 * reaches, so a cold start neither reads nor parses its 1.9 MB. The function's asset holds no
 * `node_modules` to read them from.
 */

import style from "swagger-ui-dist/swagger-ui.css" with { type: "text" };
import script from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "text" };
import type { RendererAssets } from "./renderer.ts";

export async function rendererAssets(): Promise<RendererAssets> {
  return { script, style };
}
