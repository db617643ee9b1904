import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const STACK_TRACES = fileURLToPath(new URL("../src/stack-traces.ts", import.meta.url));

// Bundled (minified, linked source map, as the functions are deployed) and run by plain `node`: it throws two
// calls deep and prints, for each of the bundle's frames, V8's text and mapFrame's.
const SOURCE = `import { mapFrame } from ${JSON.stringify(STACK_TRACES)};

export function run() {
  return $$compute(2);
}

function $$compute(n: number): number {
  if (n > 1) throw new Error("boom in $$compute");
  return n;
}

Error.prepareStackTrace = (_error, frames) => frames;
try {
  run();
} catch (error) {
  const frames = (error as { stack: NodeJS.CallSite[] }).stack;
  const ours = frames.slice(0, 2).map((frame, i) => ({ v8: String(frame), mapped: mapFrame(frame, frames[i + 1]) }));
  console.log(JSON.stringify(ours));
}
`;

const dir = mkdtempSync(join(tmpdir(), "meridian-stacks-"));

function framesOf(file: string): { v8: string; mapped: string }[] {
  const run = spawnSync(process.execPath, [join(dir, file)], {
    encoding: "utf8",
    env: { PATH: process.env.PATH },
  });
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout) as { v8: string; mapped: string }[];
}

beforeAll(async () => {
  writeFileSync(join(dir, "app.ts"), SOURCE);
  await build({
    entryPoints: [join(dir, "app.ts")],
    outfile: join(dir, "bundle.mjs"),
    bundle: true,
    platform: "node",
    format: "esm",
    minify: true,
    sourcemap: "linked",
    sourcesContent: false,
    logLevel: "error",
  });
  // The same bundle whose map names its sources the way some dependencies' maps do, and one without a map.
  const map = JSON.parse(readFileSync(join(dir, "bundle.mjs.map"), "utf8")) as { sources: string[] };
  map.sources = map.sources.map((source) => `webpack://app/${source.split("/").at(-1)}`);
  copyFileSync(join(dir, "bundle.mjs"), join(dir, "webpack.mjs"));
  writeFileSync(join(dir, "webpack.mjs.map"), JSON.stringify(map));
  copyFileSync(join(dir, "bundle.mjs"), join(dir, "unmapped.mjs"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("mapFrame", () => {
  it("writes a bundle frame with the source's path, line, column and function name", () => {
    // Act
    const [thrower, caller] = framesOf("bundle.mjs");

    // Assess: the error is made on line 8 of app.ts (`new Error`, column 20), the call on line 4; `$$` in a name is not a replacement pattern.
    expect(thrower?.v8).toContain("bundle.mjs:");
    expect(thrower?.mapped).toBe(`$$compute (${join(dir, "app.ts")}:8:20)`);
    expect(caller?.mapped).toBe(`run (${join(dir, "app.ts")}:4:10)`);
  });

  it("writes a source that is not a file (webpack://…) as the map names it, without throwing", () => {
    // Act
    const [thrower] = framesOf("webpack.mjs");

    // Assess
    expect(thrower?.mapped).toBe("$$compute (webpack://app/app.ts:8:20)");
  });

  it("leaves a frame as V8 wrote it when no map is beside its file", () => {
    // Act
    const frames = framesOf("unmapped.mjs");

    // Assess
    expect(frames).toHaveLength(2);
    for (const frame of frames) expect(frame.mapped).toBe(frame.v8);
  });
});

describe("each function's handler", () => {
  it.each(["http", "order-stream", "metrics-job"])("%s installs the source-mapping stack hook", (name) => {
    // Arrange: the environment each function needs to start (nothing is contacted at import).
    const env = {
      PATH: process.env.PATH,
      TABLE_EPOCHS: "t-epochs",
      TABLE_API_KEYS: "t-api-keys",
      TABLE_CATALOG: "t-catalog",
      TABLE_ORDERS: "t-orders",
      APP_SECRET: "stack-traces-test-secret-0123456789abcdef",
      JWT_ISSUER: "http://127.0.0.1:9/issuer",
      JWT_AUDIENCE: "test",
      AWS_REGION: "us-east-1",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    };
    const handler = fileURLToPath(new URL(`../src/${name}/handler.ts`, import.meta.url));
    const script =
      "const before = Error.prepareStackTrace; await import(process.argv[1]); " +
      "console.log(JSON.stringify({ replaced: Error.prepareStackTrace !== before }));";

    // Act
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script, handler],
      {
        encoding: "utf8",
        env,
      },
    );

    // Assess
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}")).toEqual({ replaced: true });
  });
});
