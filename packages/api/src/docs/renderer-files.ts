/**
 * The reference page's renderer, Swagger UI (decision 0021), as the source runs it (the sandbox, tests):
 * read from the installed `swagger-ui-dist` on first use. The Lambda bundle resolves `#docs-renderer` to
 * renderer-inlined.ts instead, whose text esbuild puts into a chunk of its own.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { RendererAssets } from "./renderer.ts";

export async function rendererAssets(): Promise<RendererAssets> {
  const require = createRequire(import.meta.url);
  const [script, style] = await Promise.all([
    readFile(require.resolve("swagger-ui-dist/swagger-ui-bundle.js"), "utf8"),
    readFile(require.resolve("swagger-ui-dist/swagger-ui.css"), "utf8"),
  ]);
  return { script, style };
}
