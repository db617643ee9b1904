import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root, four folders above this file (packages/infra/src/web). */
const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/** Where `npm run build -w @meridian/web` writes the dashboard (Vite's `outDir`), from the repository root. */
export const DEFAULT_WEB_ASSETS_DIR = join(REPO_ROOT, "packages", "web", "dist");

/**
 * The dashboard's build folder, checked: synthesis ships whatever is there, so a folder without `index.html`
 * (never built, or a failed build) stops it with what to run instead of deploying an empty dashboard.
 */
export function webAssetsDir(dir: string = DEFAULT_WEB_ASSETS_DIR): string {
  const absolute = resolve(dir);
  if (!existsSync(join(absolute, "index.html"))) {
    throw new Error(
      `No dashboard build at ${absolute} (index.html is missing): build the dashboard first: ` +
        "npm run build -w @meridian/web",
    );
  }
  return absolute;
}
