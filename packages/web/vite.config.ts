import { defineConfig } from "vite";

// Preact's JSX through Vite's own transformer (oxc): no @preact/preset-vite, which would pull Babel in.
export default defineConfig({
  base: "/app/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // The budget is 80 KB gzipped for the first page; warn well before a chunk gets near it.
    chunkSizeWarningLimit: 120,
  },
});
