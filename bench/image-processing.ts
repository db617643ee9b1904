/**
 * The image processor's work: `processUpload` (@meridian/adapters/images) against sharp called bare for the
 * same renditions (320 and 1280 px WebP, upright), each in fresh `node` processes that alternate, on a
 * 12-megapixel JPEG (a phone photo) and on a 50-megapixel PNG (the most `maxPixels` admits, small enough for
 * the 5 MiB upload limit: the input that needs the most memory). libvips runs with sharp's default thread
 * count (1 on glibc Linux, Lambda's too) and with 2. Both variants are bundled as the image processor would be:
 * `@meridian/infra/bundling`'s options with sharp left external, resolved from a `node_modules` beside the
 * bundle. Writes its results block (`image-processing`) into docs/performance.md.
 *
 *   npm run bench:images -- [--processes 7] [--runs 4] [--print]
 *
 * Each process imports the code, then processes one image `--runs` times: the first run is the first upload
 * after a cold start, the others are warm. Peak memory is the process's VmHWM (its high-water RSS).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { lambdaBuildOptions } from "@meridian/infra/bundling";
import { build } from "esbuild";
import sharp from "sharp";
import { repoRoot } from "./lib/bundle.ts";
import type { ImageChildResult } from "./lib/image-processing-child.ts";
import { machineLines, table, writeResultsBlock } from "./lib/report.ts";

const { values: args } = parseArgs({
  options: {
    processes: { type: "string", default: "7" },
    runs: { type: "string", default: "4" },
    print: { type: "boolean", default: false },
  },
});
const processes = Number(args.processes);
const runs = Number(args.runs);
if (!(processes >= 1 && runs >= 2)) throw new Error("--processes must be >= 1 and --runs >= 2");

/** A diagonal colour gradient, `sigma` > 0 adding Gaussian noise (noise is what costs an encoder). */
async function gradient(width: number, height: number, sigma: number) {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = (x * 255) / width;
      raw[i + 1] = (y * 255) / height;
      raw[i + 2] = ((x + y) * 255) / (width + height);
    }
  }
  const image = sharp(raw, { raw: { width, height, channels: 3 } });
  if (sigma === 0) return image;
  const noise = await sharp({
    create: { width, height, channels: 3, background: "#000", noise: { type: "gaussian", mean: 0, sigma } },
  })
    .raw()
    .toBuffer();
  return image.composite([{ input: noise, raw: { width, height, channels: 3 }, blend: "add" }]);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const mib = (bytes: number) => bytes / 1024 / 1024;

const workDir = mkdtempSync(join(tmpdir(), "meridian-bench-images-"));
try {
  const inputs = [
    {
      label: "12 MP JPEG",
      about: "4000 × 3000 JPEG (quality 90, gradient + Gaussian noise σ 24, GPS EXIF)",
      type: "image/jpeg",
      bytes: await (await gradient(4000, 3000, 24))
        .jpeg({ quality: 90 })
        .withExif({
          IFD0: { Make: "MeridianBench" },
          IFD3: { GPSLatitudeRef: "N", GPSLatitude: "52/1 31/1 0/1" },
        })
        .toBuffer(),
    },
    {
      label: "50 MP PNG",
      about: "8000 × 6250 PNG (gradient, no noise)",
      type: "image/png",
      bytes: await (await gradient(8000, 6250, 0)).png().toBuffer(),
    },
  ].map((input, i) => {
    const file = join(workDir, `input-${i}`);
    writeFileSync(file, input.bytes);
    return { ...input, file };
  });

  const outdir = join(workDir, "bundle");
  mkdirSync(outdir);
  // sharp loads a native addon: no bundle can inline it, so it stays a package beside the bundle.
  symlinkSync(join(repoRoot, "node_modules"), join(workDir, "node_modules"));
  await build({
    ...lambdaBuildOptions({ entry: "bench/lib/image-processing-child.ts", outdir, workingDir: repoRoot }),
    external: ["sharp"],
  });
  const child = join(outdir, "index.mjs");

  const threadSettings = [
    { label: "default", args: [] },
    { label: "2", args: ["2"] },
  ];
  const loadBefore = loadavg()[0] ?? 0;
  const results = new Map<string, ImageChildResult[]>();
  for (const input of inputs) {
    for (const threads of threadSettings) {
      for (let i = 0; i < processes; i++) {
        // Alternating, and each in turn first, so drift in the machine's load falls on both alike.
        const order = i % 2 ? (["bare", "ours"] as const) : (["ours", "bare"] as const);
        for (const variant of order) {
          const out = execFileSync(
            process.execPath,
            [child, variant, input.file, input.type, String(runs), ...threads.args],
            { encoding: "utf8" },
          );
          const line = out.split("\n").find((l) => l.startsWith("BENCH_RESULT "));
          if (!line) throw new Error(`no result from ${variant}: ${out}`);
          const key = `${input.label}/${threads.label}/${variant}`;
          results.set(key, [...(results.get(key) ?? []), JSON.parse(line.slice("BENCH_RESULT ".length))]);
        }
      }
    }
  }
  const loadAfter = loadavg()[0] ?? 0;

  const summary = (key: string) => {
    const rs = results.get(key) ?? [];
    const warm = rs.map((r) => median(r.runMs.slice(1)));
    return {
      threads: rs[0]?.threads ?? 0,
      importMs: median(rs.map((r) => r.importMs)),
      rssAfterImport: median(rs.map((r) => r.rssAfterImportBytes)),
      firstMs: median(rs.map((r) => r.runMs[0] as number)),
      warmMs: median(warm),
      warmSpread: `${Math.min(...warm).toFixed(0)}–${Math.max(...warm).toFixed(0)}`,
      maxRss: median(rs.map((r) => r.maxRssBytes)),
      maxRssWorst: Math.max(...rs.map((r) => r.maxRssBytes)),
      renditions: rs[0]?.renditions ?? [],
    };
  };
  const rows: (string | number)[][] = [];
  const ratios: string[] = [];
  let oursPeak = 0;
  for (const input of inputs) {
    for (const threads of threadSettings) {
      const ours = summary(`${input.label}/${threads.label}/ours`);
      const bare = summary(`${input.label}/${threads.label}/bare`);
      const sizes = (s: typeof ours) => JSON.stringify(s.renditions.map((r) => [r.width, r.height]));
      if (sizes(ours) !== sizes(bare))
        throw new Error(`${input.label}: the two variants made different renditions`);
      oursPeak = Math.max(oursPeak, ours.maxRssWorst);
      for (const [name, s] of [
        ["processUpload", ours],
        ["sharp bare", bare],
      ] as const) {
        rows.push([
          input.label,
          s.threads,
          name,
          s.importMs.toFixed(0),
          mib(s.rssAfterImport).toFixed(0),
          s.firstMs.toFixed(0),
          `${s.warmMs.toFixed(0)} (${s.warmSpread})`,
          `${mib(s.maxRss).toFixed(0)} (${mib(s.maxRssWorst).toFixed(0)})`,
        ]);
      }
      ratios.push(
        `${input.label}, ${ours.threads} thread(s): warm ${(ours.warmMs / bare.warmMs).toFixed(2)}×, first run ${(ours.firstMs / bare.firstMs).toFixed(2)}×, peak RSS ${(ours.maxRss / bare.maxRss).toFixed(2)}×`,
      );
    }
  }
  const lines = [
    ...machineLines(`npm run bench:images -- --processes ${processes} --runs ${runs}`),
    ...inputs.map((input) => {
      const r = summary(`${input.label}/default/ours`).renditions;
      const out = r.map((x) => `${x.width} × ${x.height} (${(x.bytes / 1024).toFixed(0)} KiB)`).join(" and ");
      return `- ${input.label}: ${input.about}, ${mib(input.bytes.length).toFixed(1)} MiB → WebP (quality 80) ${out}`;
    }),
    `- ${processes} processes per input, thread count and variant, alternating, ${runs} runs each (the first after the import, then ${runs - 1} warm); medians over processes; warm spread: min–max of the processes' medians; peak RSS: VmHWM, median (worst)`,
    `- machine load (1-minute average) ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after, on 2 cores: other work shared the machine`,
    "",
    ...table(
      [
        "input",
        "libvips threads",
        "variant",
        "import ms",
        "RSS after import MiB",
        "first run ms",
        "warm run ms (spread)",
        "peak RSS MiB (worst)",
      ],
      rows,
    ),
    "",
    `processUpload against bare: ${ratios.join("; ")}. Highest peak RSS of processUpload: ${mib(oursPeak).toFixed(0)} MiB.`,
  ];
  if (args.print) console.log(lines.join("\n"));
  else writeResultsBlock("image-processing", lines);
  console.log(lines.slice(-1).join("\n"));
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
