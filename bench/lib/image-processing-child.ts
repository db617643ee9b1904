/**
 * Runs inside a fresh `node` process (bundled by bench/image-processing.ts, sharp left external as the image
 * processor's bundle leaves it, never run with tsx): loads the image code, processes one JPEG `runs` times,
 * and prints one `BENCH_RESULT {json}` line.
 *
 *   node child.mjs ours|bare <file> <image/jpeg|image/png> <runs> [<libvips threads>]
 *
 * Without a thread count, libvips keeps sharp's default: 1 thread on glibc Linux (Lambda's too), which sharp
 * picks there to limit memory fragmentation.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

export interface ImageChildResult {
  variant: "ours" | "bare";
  /** Importing the code: sharp, its libvips and, for `ours`, processUpload's module. */
  importMs: number;
  /** Resident memory after the import, before any image. */
  rssAfterImportBytes: number;
  /** Each run's wall time; the first one is what the first upload after a cold start waits. */
  runMs: number[];
  /** libvips' thread count while processing (`sharp.concurrency()`). */
  threads: number;
  /**
   * Peak resident memory of this process: VmHWM from /proc/self/status, the high-water mark of this address
   * space. Not `process.resourceUsage().maxRSS`: Linux carries that across exec from the forked copy of the
   * parent, so a child of a large parent reports the parent's size.
   */
  maxRssBytes: number;
  /** The renditions of the last run, to check that both variants made the same thing. */
  renditions: { name: string; width: number; height: number; bytes: number }[];
}

function peakRssBytes(): number {
  const line = readFileSync("/proc/self/status", "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmHWM:"));
  if (!line) throw new Error("no VmHWM in /proc/self/status (Linux only)");
  return Number(line.replace(/\D/g, "")) * 1024;
}

const WIDTHS = [320, 1280] as const;
const QUALITY = 80;

type Process = (bytes: Uint8Array) => Promise<ImageChildResult["renditions"]>;

/** processUpload as the image processor calls it: signature, header and pixel checks, then the renditions. */
async function loadOurs(type: "image/jpeg" | "image/png"): Promise<Process> {
  const { processUpload } = await import("../../packages/adapters/src/images/index.ts");
  return async (bytes) => {
    const result = await processUpload(bytes, type, { widths: WIDTHS, quality: QUALITY });
    if (!result.ok) throw new Error(`processUpload refused the bench image: ${result.reason}`);
    return result.renditions.map((r) => ({
      name: r.name,
      width: r.width,
      height: r.height,
      bytes: r.bytes.length,
    }));
  };
}

/** The least sharp needs for the same renditions: upright, scaled down, WebP, one after the other. */
async function loadBare(): Promise<Process> {
  const { default: sharp } = await import("sharp");
  // As processUpload's module does: the comparison is about the work, not the cache setting.
  sharp.cache(false);
  return async (bytes) => {
    const out = [];
    for (const width of WIDTHS) {
      const { data, info } = await sharp(bytes, { autoOrient: true })
        .resize({ width, withoutEnlargement: true })
        .webp({ quality: QUALITY })
        .toBuffer({ resolveWithObject: true });
      out.push({ name: String(width), width: info.width, height: info.height, bytes: data.length });
    }
    return out;
  };
}

const [variant, file, type, runsArg, threads] = process.argv.slice(2);
if ((variant !== "ours" && variant !== "bare") || !file || (type !== "image/jpeg" && type !== "image/png")) {
  throw new Error("usage: child.mjs ours|bare <file> <image/jpeg|image/png> <runs> [<threads>]");
}
const bytes = new Uint8Array(readFileSync(file));
const started = performance.now();
const run = variant === "ours" ? await loadOurs(type) : await loadBare();
const importMs = performance.now() - started;
if (threads) (await import("sharp")).default.concurrency(Number(threads));
const rssAfterImportBytes = process.memoryUsage().rss;
const runMs: number[] = [];
let renditions: ImageChildResult["renditions"] = [];
for (let i = 0; i < Number(runsArg ?? 1); i++) {
  const t = performance.now();
  renditions = await run(bytes);
  runMs.push(performance.now() - t);
}
const result: ImageChildResult = {
  variant,
  importMs,
  rssAfterImportBytes,
  runMs,
  threads: (await import("sharp")).default.concurrency(),
  maxRssBytes: peakRssBytes(),
  renditions,
};
console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
