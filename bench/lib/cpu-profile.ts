import { existsSync, readdirSync, readFileSync } from "node:fs";
import { SourceMap, type SourceMapPayload } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { packageOf, repoRoot } from "./bundle.ts";

/** The parts of V8's `.cpuprofile` format used here. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  /** npm package, workspace folder, Node built-in module, or V8 bucket such as `(garbage collector)`. */
  name: string;
  /** Self time inside the window, µs. */
  us: number;
}

export interface SelfTimeOptions {
  /** `package` (default) groups by npm package or workspace folder; `file` keeps the source file. */
  by?: "package" | "file";
}

const V8_BUCKETS = /^\((garbage collector|program|idle|root)\)$/;

/**
 * Self time per owner between two `process.hrtime` instants (µs) of the profiled process: V8's profile
 * timestamps use the same monotonic clock. Frames of the bundle are traced back through its source map;
 * V8 built-ins and native functions (no URL) are charged to their JavaScript caller. `(idle)` (waiting
 * for I/O) is left out: it is not CPU.
 */
export function selfTimeByOwner(
  profileDir: string,
  bundleUrl: string,
  windowUs: [number, number],
  options: SelfTimeOptions = {},
): SelfTime[] {
  const file = readdirSync(profileDir).find((name) => name.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no .cpuprofile in ${profileDir}`);
  const profile = JSON.parse(readFileSync(join(profileDir, file), "utf8")) as CpuProfile;
  // The bundle is `index.mjs` plus chunks (code splitting): any file in its folder is mapped with its own map.
  const bundleDir = dirname(fileURLToPath(bundleUrl));
  const maps = new Map<string, SourceMap | undefined>();
  const mapOf = (url: string): SourceMap | undefined => {
    if (!url.startsWith("file:") || relative(bundleDir, fileURLToPath(url)).startsWith(".."))
      return undefined;
    if (!maps.has(url)) {
      const mapFile = `${fileURLToPath(url)}.map`;
      maps.set(
        url,
        existsSync(mapFile)
          ? new SourceMap(JSON.parse(readFileSync(mapFile, "utf8")) as SourceMapPayload)
          : undefined,
      );
    }
    return maps.get(url);
  };
  const byFile = options.by === "file";

  const sourceOwner = (url: string, line: number, column: number): string => {
    if (url.startsWith("node:")) {
      const path = url.slice("node:".length).replace(/^internal\//, "");
      return `node:${path.startsWith("deps/") ? path.split("/").slice(0, 2).join("/") : path}`;
    }
    const map = mapOf(url);
    if (!map) return url.endsWith("/child.mjs") ? "bench runner (builds the event)" : url;
    const entry = map.findEntry(line, column);
    if (!("originalSource" in entry)) return "(unmapped)";
    const source = entry.originalSource.startsWith("file:")
      ? fileURLToPath(entry.originalSource)
      : join(dirname(fileURLToPath(url)), entry.originalSource);
    return byFile ? relative(repoRoot, source) : packageOf(source);
  };

  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const owners = new Map<number, string>();
  const ownerOf = (id: number): string => {
    const known = owners.get(id);
    if (known !== undefined) return known;
    const frame = nodes.get(id)?.callFrame;
    const parent = parents.get(id);
    let owner: string;
    if (!frame) owner = "(unknown)";
    else if (V8_BUCKETS.test(frame.functionName)) owner = frame.functionName;
    else if (frame.url === "") owner = parent === undefined ? "(native)" : ownerOf(parent);
    else owner = sourceOwner(frame.url, frame.lineNumber, frame.columnNumber);
    owners.set(id, owner);
    return owner;
  };

  const totals = new Map<string, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < windowUs[0] || at > windowUs[1]) return;
    const owner = ownerOf(id);
    if (owner === "(idle)") return;
    totals.set(owner, (totals.get(owner) ?? 0) + delta);
  });
  return [...totals].map(([name, us]) => ({ name, us })).sort((a, b) => b.us - a.us);
}
