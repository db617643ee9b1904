import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { buildSync } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BUILTINS_BY_REQUIRE,
  buildLambdaSync,
  functionEntry,
  LAMBDA_FUNCTIONS,
} from "../src/bundling/lambda-bundle.ts";
import { NATIVE_PLATFORM_CONTEXT } from "../src/constructs/meridian-function.ts";
import { synthStage } from "./helpers.ts";

/**
 * This machine's platform, whose binaries the image processor's asset ships here so that the test can run it
 * (a deployed one ships linux-arm64's: native-packages.test.ts).
 */
const HOST_PLATFORM = `${process.platform}-${process.arch}`;

/** The stage synthesized with bundling, once for the whole file (bundling every function is the slow part). */
let bundledStage: ReturnType<typeof synthStage> | undefined;
function bundled(): ReturnType<typeof synthStage> {
  bundledStage ??= synthStage(
    {},
    { checks: false, bundle: true, context: { [NATIVE_PLATFORM_CONTEXT]: HOST_PLATFORM } },
  );
  return bundledStage;
}

/** The folder of the bundled asset of the function in `stack` whose description matches `what`. */
function assetDir(stack: Stack, what: RegExp): string {
  const functions = Template.fromStack(stack).findResources("AWS::Lambda::Function", {
    Properties: { Description: Match.stringLikeRegexp(what.source) },
  });
  const s3Key = (Object.values(functions)[0] as { Properties: { Code: { S3Key: string } } }).Properties.Code
    .S3Key;
  return join(bundled().app.outdir, `asset.${s3Key.replace(/\.zip$/, "")}`);
}

/**
 * Imports the bundle in a fresh Node process, as Lambda would, and sends it one API Gateway v2 event. The asset
 * lives in a temporary directory, so an import the bundle failed to include would not resolve.
 */
const INVOKE = `
const { handler } = await import(process.argv[1]);
const path = process.argv[2];
const event = {
  version: "2.0", routeKey: "$default", rawPath: path, rawQueryString: "",
  headers: { accept: "application/json", host: "example.execute-api.eu-west-1.amazonaws.com" },
  requestContext: {
    requestId: "req-1", domainName: "example.execute-api.eu-west-1.amazonaws.com", stage: "$default",
    http: { method: "GET", path, protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "test" },
  },
  isBase64Encoded: false,
};
const response = await handler(event, { awsRequestId: "lambda-1" });
process.stdout.write("RESULT " + JSON.stringify({ statusCode: response.statusCode, body: response.body.slice(0, 200) }));
`;

/** What the HTTP function reads, with the secret given directly (no Secrets Manager call). */
const HTTP_ENV = {
  TABLE_EPOCHS: "meridian-test-epochs",
  TABLE_API_KEYS: "meridian-test-api-keys",
  TABLE_CATALOG: "meridian-test-catalog",
  TABLE_ORDERS: "meridian-test-orders",
  JWT_ISSUER: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example",
  JWT_AUDIENCE: "client",
  APP_SECRET: "x".repeat(32),
  AWS_REGION: "eu-west-1",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

/** Starts the function in `dir` and invokes it once; the response, or the process's exit status and stderr. */
/** GETs `path` from the function in `dir`; `/openapi.json` (the default) loads the generator's lazy chunk. */
function invoke(dir: string, env: Record<string, string> = {}, path = "/openapi.json") {
  const run = spawnSync(
    process.execPath,
    ["--input-type=module", "-e", INVOKE, join(dir, "index.mjs"), path],
    {
      env: { PATH: process.env.PATH, ...HTTP_ENV, ...env },
      // Outside the repository: no node_modules to fall back on, so every import must be in the asset.
      cwd: dir,
      encoding: "utf8",
      timeout: 20_000,
    },
  );
  // The app writes its access log line to stdout too; the result comes after it.
  const at = run.stdout.lastIndexOf("RESULT ");
  const response =
    at >= 0
      ? (JSON.parse(run.stdout.slice(at + "RESULT ".length)) as { statusCode: number; body: string })
      : null;
  return { status: run.status, stderr: run.stderr, response };
}

/** Every file under `dir`, relative to it, with `/` separators. */
function filesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split("\\").join("/"))
    .sort();
}

/**
 * The files a cold start loads: `index.mjs` and what it imports statically, transitively, read from the asset
 * itself (esbuild parses the output and reports each import's kind), not from the build that made it.
 */
function staticImportGraph(dir: string): string[] {
  const { metafile } = buildSync({
    absWorkingDir: dir,
    entryPoints: ["index.mjs"],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    logLevel: "silent",
  });
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imported of metafile.inputs[file]?.imports ?? []) {
      if (imported.kind === "import-statement" && !imported.external) visit(imported.path);
    }
  };
  visit("index.mjs");
  return [...seen].sort();
}

/** The `.mjs` files of the asset whose source map names a source matching `pattern`. */
function filesFrom(dir: string, pattern: RegExp): string[] {
  return filesIn(dir)
    .filter((file) => file.endsWith(".mjs"))
    .filter((file) => {
      const { sources } = JSON.parse(readFileSync(join(dir, `${file}.map`), "utf8")) as { sources: string[] };
      return sources.some((source) => pattern.test(source));
    });
}

const TRACER = /node_modules\/(@aws-lambda-powertools\/tracer|aws-xray-sdk-core)\//;
const SECRETS_MANAGER = /node_modules\/@aws-sdk\/client-secrets-manager\//;
/** GET /metrics' client, loaded on its first read (cloudWatchMetrics in @meridian/adapters). */
const CLOUDWATCH = /node_modules\/@aws-sdk\/client-cloudwatch\//;
/** The OpenAPI document's generator: ours and zod's JSON Schema conversion (see core's schema-parts.ts). */
const OPENAPI =
  /(packages\/api\/src\/routes\/openapi-document\.ts|zod\/v4\/core\/(to-json-schema|json-schema-processors)\.js)$/;
/** The reference page's renderer, inlined as text (@meridian/api's `#docs-renderer`). */
const RENDERER = /node_modules\/swagger-ui-dist\/swagger-ui-bundle\.js$/;

describe("stack traces of a bundled function", () => {
  const out = mkdtempSync(join(tmpdir(), "meridian-stacks-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("name the TypeScript source and line once installSourceMappedStacks ran, without --enable-source-maps", () => {
    // Arrange
    const fixture = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "throws.ts");
    const { entryFile } = buildLambdaSync({ entry: fixture, outdir: out });
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [entryFile, ...args], {
        cwd: out,
        encoding: "utf8",
        env: { PATH: process.env.PATH },
      });

    // Act
    const mapped = run("--mapped");
    const plain = run();

    // Assess: the throw is on line 7 of the fixture, its caller on line 11, with the functions' own names
    // (the bundle's are minified); without the hook, positions in index.mjs.
    expect(mapped.stderr).toBe("");
    expect(mapped.stdout).toContain("Error: boom from the fixture");
    expect(mapped.stdout).toMatch(/at innermost \(\/.*packages\/infra\/test\/fixtures\/throws\.ts:7:9\)/);
    expect(mapped.stdout).toMatch(/at middle \(\/.*packages\/infra\/test\/fixtures\/throws\.ts:11:10\)/);
    expect(plain.stdout).toContain("Error: boom from the fixture");
    expect(plain.stdout).not.toContain("throws.ts");
    expect(plain.stdout).toContain("index.mjs:");
  });
});

describe("the bundled HTTP handler", () => {
  let dir = "";
  const scratch = mkdtempSync(join(tmpdir(), "meridian-asset-"));

  beforeAll(() => {
    // Bundle for real (the only tests that do).
    dir = assetDir(bundled().stateless, /HTTP API/);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("is minified ESM, index.mjs plus chunks, each with a source map, the AWS SDK inside; it starts and answers", () => {
    // Act
    const source = readFileSync(join(dir, "index.mjs"), "utf8");
    const { status, stderr, response } = invoke(dir);

    // Assess: the bundler's output and nothing else (no sources, no cdk.out).
    const files = filesIn(dir);
    expect(files.filter((f) => !/^(index|chunks\/[\w-]+)\.mjs(\.map)?$/.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".mjs")).map((f) => `${f}.map`)).toEqual(
      files.filter((f) => f.endsWith(".map")),
    );
    expect(source.startsWith("import { createRequire as __meridianCreateRequire }")).toBe(true);
    expect(source).toContain("//# sourceMappingURL=index.mjs.map");
    for (const chunk of files.filter((f) => f.startsWith("chunks/") && f.endsWith(".mjs"))) {
      const code = readFileSync(join(dir, chunk), "utf8");
      expect(code.startsWith("import { createRequire as __meridianCreateRequire }"), chunk).toBe(true);
      expect(code, chunk).toContain(`//# sourceMappingURL=${basename(chunk)}.map`);
    }
    const map = JSON.parse(readFileSync(join(dir, "index.mjs.map"), "utf8")) as Record<string, unknown>;
    expect(map.mappings).toBeTruthy();
    expect(map.sourcesContent).toBeUndefined();
    // The AWS SDK is inside: the DynamoDB client starts with the function, Secrets Manager's is a chunk.
    expect(filesFrom(dir, /node_modules\/@aws-sdk\/client-dynamodb\//)).toEqual(["index.mjs"]);
    expect(filesFrom(dir, SECRETS_MANAGER)).toHaveLength(1);
    expect(source.length).toBeLessThan(3_000_000);
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    expect(response?.statusCode).toBe(200);
    expect(response?.body).toContain('"openapi":"3.1.0"');
  });

  it("keeps the X-Ray tracer, the Secrets Manager and CloudWatch clients and the OpenAPI generator in chunks that index.mjs does not import statically", () => {
    // Act
    const startup = staticImportGraph(dir);
    const tracer = filesFrom(dir, TRACER);
    const secretsManager = filesFrom(dir, SECRETS_MANAGER);
    const openapi = filesFrom(dir, OPENAPI);

    // Assess: one chunk holds the tracer's packages, so no shared chunk that starts with the function has any.
    expect(tracer).toHaveLength(1);
    expect(tracer[0]).toMatch(/^chunks\/xray-[A-Z0-9]+\.mjs$/);
    expect(secretsManager[0]).toMatch(/^chunks\//);
    expect(startup).toContain("index.mjs");
    expect(startup).not.toContain(tracer[0]);
    expect(startup).not.toContain(secretsManager[0]);
    expect(openapi.length).toBeGreaterThan(0);
    expect(openapi.filter((file) => startup.includes(file))).toEqual([]);
    const cloudWatch = filesFrom(dir, CLOUDWATCH);
    expect(cloudWatch).toHaveLength(1);
    expect(cloudWatch.filter((file) => startup.includes(file))).toEqual([]);
  });

  it("serves /docs' renderer (Swagger UI) from the asset alone, out of a chunk that index.mjs does not import statically", () => {
    // Act: the versioned path the /docs page names, read in a process whose cwd has no node_modules.
    const { version } = createRequire(import.meta.url)("swagger-ui-dist/package.json") as { version: string };
    const page = invoke(dir, {}, "/docs");
    const { status, stderr, response } = invoke(dir, {}, `/docs/swagger-ui-${version}/swagger-ui-bundle.js`);
    const renderer = filesFrom(dir, RENDERER);

    // Assess: the page answers, the function answers the renderer as text, and only a lazy chunk holds it.
    expect(page.response?.statusCode).toBe(200);
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    expect(response?.statusCode).toBe(200);
    expect(response?.body).toMatch(
      /^\/\*! For license information please see swagger-ui-bundle\.js\.LICENSE\.txt/,
    );
    expect(renderer).toHaveLength(1);
    expect(renderer[0]).toMatch(/^chunks\//);
    expect(staticImportGraph(dir)).not.toContain(renderer[0]);
  });

  it("loads node:http, node:process, node:util and node:fs without an ES import (their ES facades are slow)", () => {
    // Act
    const code = filesIn(dir)
      .filter((file) => file.endsWith(".mjs"))
      .map((file) => readFileSync(join(dir, file), "utf8"))
      .join("\n");
    const esImports = [...code.matchAll(/from\s*"(?:node:)?(http|process|util|fs|fs\/promises)"/g)].map(
      (m) => m[1],
    );

    // Assess
    expect(esImports).toEqual([]);
    for (const name of Object.keys(BUILTINS_BY_REQUIRE)) {
      expect(code).toContain(`process.getBuiltinModule("node:${name}")`);
    }
  });

  it("starts and answers from its start-up files alone with tracing off, and loads the tracer's chunk with it on", () => {
    // Arrange: a copy of the asset without any lazily loaded chunk (the tracer's among them).
    const startup = new Set(staticImportGraph(dir));
    const [tracer] = filesFrom(dir, TRACER);
    const copy = join(scratch, "start-up-only");
    cpSync(dir, copy, { recursive: true });
    const lazy = filesIn(copy).filter((f) => f.endsWith(".mjs") && !startup.has(f));
    for (const file of lazy) rmSync(join(copy, file));

    // Act
    const off = invoke(copy, {}, "/health");
    const onWithoutChunk = invoke(copy, { TRACING_ENABLED: "true" }, "/health");
    const on = invoke(dir, { TRACING_ENABLED: "true" });

    // Assess
    expect(lazy).toContain(tracer);
    expect(existsSync(join(copy, "index.mjs"))).toBe(true);
    expect(off.response?.statusCode).toBe(200);
    expect(onWithoutChunk.status).not.toBe(0);
    expect(onWithoutChunk.stderr).toContain("ERR_MODULE_NOT_FOUND");
    expect(onWithoutChunk.stderr).toContain(basename(tracer ?? "?"));
    expect(on.response?.statusCode).toBe(200);
  });
});

/** Imports the bundle in a fresh Node process and hands it one pre token generation event. */
const INVOKE_TRIGGER = `
const { handler } = await import(process.argv[1]);
const result = await handler(JSON.parse(process.argv[2]), { awsRequestId: "lambda-2" });
process.stdout.write("RESULT " + JSON.stringify(result));
`;

describe("the bundled pre token generation trigger", () => {
  let dir = "";
  beforeAll(() => {
    dir = assetDir(bundled().stateful, /pre token generation/);
  });

  it("carries the Cognito client but no DynamoDB client, starts, calls AdminGetUser and withholds the admin group without TOTP", async () => {
    // Prepare: Cognito's API stands in on 127.0.0.1 (AWS JSON 1.1): a user without MFA.
    const targets: string[] = [];
    const server = createServer((req, res) => {
      targets.push(String(req.headers["x-amz-target"]));
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify({ Username: "u-1", Enabled: true, UserStatus: "CONFIRMED" }));
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const event = {
      version: "2",
      triggerSource: "TokenGeneration_Authentication",
      region: "eu-west-1",
      userPoolId: "eu-west-1_Bundle",
      userName: "u-1",
      callerContext: { awsSdkVersion: "aws-sdk-unknown-unknown", clientId: "client" },
      request: {
        userAttributes: { sub: "u-1", email: "someone@example.com" },
        groupConfiguration: { groupsToOverride: ["admin"], iamRolesToOverride: [], preferredRole: null },
        scopes: ["aws.cognito.signin.user.admin"],
      },
      response: { claimsAndScopeOverrideDetails: null },
    };

    // Act: spawned, not spawnSync, so this process's server can answer the child.
    const child = spawn(
      process.execPath,
      ["--input-type=module", "-e", INVOKE_TRIGGER, join(dir, "index.mjs"), JSON.stringify(event)],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          AWS_REGION: "eu-west-1",
          COGNITO_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const [status] = (await once(child, "close")) as [number];
    server.close();

    // Assess
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    expect(targets).toEqual(["AWSCognitoIdentityProviderService.AdminGetUser"]);
    // The log lines come first, then the result (which echoes the event, email included).
    const at = stdout.lastIndexOf("RESULT ");
    const result = JSON.parse(stdout.slice(at + "RESULT ".length));
    expect(result.response.claimsAndScopeOverrideDetails.groupOverrideDetails.groupsToOverride).toEqual([]);
    expect(stdout.slice(0, at)).toMatch(/"level":"WARN".*"sub":"u-1"/);
    expect(stdout.slice(0, at)).not.toContain("someone@example.com");
    expect(filesFrom(dir, /node_modules\/@aws-sdk\/client-cognito-identity-provider\//)).toEqual([
      "index.mjs",
    ]);
    expect(filesFrom(dir, /node_modules\/@aws-sdk\/client-dynamodb\//)).toEqual([]);
  });
});

describe("a synth that skips bundling (unit tests)", () => {
  it("runs no bundler and copies nothing but the web dashboard's deployment: the asset stays the entry's folder", () => {
    // Arrange
    const { app, stateless } = synthStage({}, { checks: false });

    // Act
    const assembly = app.synth();

    // Assess: the only assets staged are the web dashboard deployment's (its build, its config.json, and
    // aws-cdk-lib's handler with its AWS CLI layer), none of the functions'.
    const template = Template.fromStack(stateless);
    const keyOf = (value: unknown) => String(value).replace(/\.zip$/, "");
    const deployment = [
      ...Object.values(template.findResources("Custom::CDKBucketDeployment")).flatMap(
        (r) => r.Properties.SourceObjectKeys as string[],
      ),
      ...Object.entries(template.findResources("AWS::Lambda::Function"))
        .filter(([id]) => id.startsWith("CustomCDKBucketDeployment"))
        .map(([, r]) => r.Properties.Code.S3Key),
      ...Object.values(template.findResources("AWS::Lambda::LayerVersion")).map(
        (r) => r.Properties.Content.S3Key,
      ),
    ].map(keyOf);
    const staged = readdirSync(assembly.directory).filter((f) => /^(asset\.|bundling-temp-)/.test(f));
    expect(staged.map((f) => keyOf(f.slice("asset.".length))).sort()).toEqual(
      [...new Set(deployment)].sort(),
    );
    const manifests = readdirSync(assembly.directory).filter((f) => f.endsWith(".assets.json"));
    const sources = manifests.flatMap((file) => {
      const manifest = JSON.parse(readFileSync(join(assembly.directory, file), "utf8")) as {
        files: Record<string, { source: { path: string; packaging?: string } }>;
      };
      return Object.values(manifest.files)
        .filter((asset) => asset.source.packaging === "zip" && !staged.includes(asset.source.path))
        .map((asset) => asset.source.path);
    });
    expect(sources.sort()).toEqual([...LAMBDA_FUNCTIONS].sort().map((name) => dirname(functionEntry(name))));
  });
});

/**
 * Imports the image processor's bundle in a fresh Node process and hands it one S3 event; then loads the
 * asset's own sharp and encodes an image with it, so the native addon and libvips come from the asset.
 */
const INVOKE_PROCESSOR = `
const { handler } = await import(process.argv[1]);
await handler(JSON.parse(process.argv[2]), { awsRequestId: "lambda-3" });
const { createRequire } = await import("node:module");
const sharp = createRequire(process.argv[1])("sharp");
const webp = await sharp({ create: { width: 4, height: 3, channels: 3, background: "#c00" } }).webp().toBuffer();
const meta = await sharp(webp).metadata();
process.stdout.write("RESULT " + JSON.stringify({ format: meta.format, width: meta.width, sharp: sharp.versions.sharp }));
`;

describe("the bundled image processor", () => {
  let dir = "";
  beforeAll(() => {
    dir = assetDir(bundled().stateless, /checks uploaded product images/);
  });

  it("leaves sharp external and ships it with its dependencies and this platform's binaries beside index.mjs, and nothing else", () => {
    // Act
    const files = filesIn(dir);
    const packages = [
      ...new Set(
        files
          .filter((f) => f.startsWith("node_modules/") && f.endsWith("/package.json"))
          .map((f) => f.slice("node_modules/".length, -"/package.json".length))
          // sharp's own dist/ and lib/ hold no package.json; the scoped packages are two segments.
          .filter((name) => !name.includes("/") || (name.startsWith("@") && name.split("/").length === 2)),
      ),
    ].sort();
    const source = readFileSync(join(dir, "index.mjs"), "utf8");

    // Assess
    expect(packages).toEqual(
      [
        "@img/colour",
        `@img/sharp-${HOST_PLATFORM}`,
        `@img/sharp-libvips-${HOST_PLATFORM}`,
        "detect-libc",
        "semver",
        "sharp",
      ].sort(),
    );
    expect(
      files.filter((f) => !f.startsWith("node_modules/") && !/^(index|chunks\/[\w-]+)\.mjs(\.map)?$/.test(f)),
    ).toEqual([]);
    expect(source).toMatch(/from\s*"sharp"/);
    // No output of esbuild holds sharp's code: it is only in node_modules.
    const bundledSources = files
      .filter((f) => !f.startsWith("node_modules/") && f.endsWith(".mjs.map"))
      .flatMap((f) => (JSON.parse(readFileSync(join(dir, f), "utf8")) as { sources: string[] }).sources);
    expect(bundledSources.length).toBeGreaterThan(0);
    expect(bundledSources.filter((source) => /node_modules\/(sharp|@img)\//.test(source))).toEqual([]);
    expect(files.some((f) => f.endsWith(".node"))).toBe(true);
    expect(files.filter((f) => f.includes("/.bin/"))).toEqual([]);
  });

  it("starts from the asset alone, skips an event for a key that is no upload, and its sharp encodes with the shipped libvips", () => {
    // Arrange: an S3 ObjectCreated event for one of the processor's own renditions.
    const event = {
      Records: [
        {
          eventSource: "aws:s3",
          eventName: "ObjectCreated:Put",
          s3: {
            bucket: { name: "meridian-test-img-123456789012-eu-west-1" },
            object: { key: "products/p-1/images/i-1/w320.webp", size: 1234 },
          },
        },
      ],
    };

    // Act: outside the repository, so no node_modules but the asset's own can be found.
    const run = spawnSync(
      process.execPath,
      ["--input-type=module", "-e", INVOKE_PROCESSOR, join(dir, "index.mjs"), JSON.stringify(event)],
      {
        cwd: dir,
        encoding: "utf8",
        timeout: 20_000,
        env: {
          PATH: process.env.PATH,
          AWS_REGION: "eu-west-1",
          IMAGES_BUCKET: "meridian-test-img-123456789012-eu-west-1",
          IMAGES_PUBLIC_URL: "https://d111111abcdef8.cloudfront.net",
          TABLE_CATALOG: "meridian-test-catalog",
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        },
      },
    );

    // Assess
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
    const at = run.stdout.lastIndexOf("RESULT ");
    expect(run.stdout.slice(0, at)).toMatch(/"message":"upload processed".*"outcome":"SKIPPED"/);
    expect(JSON.parse(run.stdout.slice(at + "RESULT ".length))).toEqual({
      format: "webp",
      width: 4,
      sharp: JSON.parse(readFileSync(join(dir, "node_modules/sharp/package.json"), "utf8")).version,
    });
  });
});
