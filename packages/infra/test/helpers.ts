import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { addSecurityChecks, type SecurityCheckOptions } from "../src/checks.ts";
import { defineStage, type StageConfig, type StageConfigInput } from "../src/config/stages.ts";
import { addStage, type RegionStacks } from "../src/meridian-app.ts";

/**
 * A dashboard build as Vite writes it (index.html naming a hashed asset under assets/), for the stacks to
 * deploy: the real one needs `npm run build -w @meridian/web`, which the infra tests do not run.
 */
export function webFixtureDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "meridian-web-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(
    join(dir, "index.html"),
    '<!doctype html><html><head><script type="module" src="/app/assets/index-a1b2c3d4.js"></script></head></html>\n',
  );
  writeFileSync(join(dir, "assets", "index-a1b2c3d4.js"), 'document.title = "Meridian";\n');
  writeFileSync(join(dir, "favicon.svg"), '<svg xmlns="http://www.w3.org/2000/svg"/>\n');
  return dir;
}

/** One fixture build for every synthesis of a test file. */
export const WEB_ASSETS_DIR = webFixtureDir();

const cdkJson = JSON.parse(readFileSync(new URL("../cdk.json", import.meta.url), "utf8")) as {
  context: Record<string, unknown>;
};

/** An App with the project's feature flags (and `context`); bundling is skipped unless `bundle` is set. */
export function testApp(options: { bundle?: boolean; context?: Record<string, unknown> } = {}): App {
  return new App({
    outdir: mkdtempSync(join(tmpdir(), "meridian-cdk-")),
    context: {
      ...cdkJson.context,
      ...(options.bundle ? {} : { "aws:cdk:bundling-stacks": [] }),
      ...options.context,
    },
  });
}

export function stageConfig(overrides: Partial<StageConfigInput> = {}): StageConfig {
  return defineStage({
    name: "test",
    kind: "dev",
    regions: ["eu-west-1"],
    logRetentionDays: 14,
    removalPolicy: "destroy",
    ...overrides,
  });
}

/** One stage in one region, synthesized with or without the security checks. */
export function synthStage(
  overrides: Partial<StageConfigInput> = {},
  options: {
    checks?: SecurityCheckOptions | false;
    bundle?: boolean;
    context?: Record<string, unknown>;
  } = {},
): RegionStacks & { app: App; stage: StageConfig } {
  const app = testApp({ bundle: options.bundle, context: options.context });
  const stage = stageConfig(overrides);
  const [stacks] = addStage(app, stage, { webAssetsDir: WEB_ASSETS_DIR });
  if (!stacks) throw new Error("addStage returned no stacks");
  if (options.checks !== false) addSecurityChecks(app, options.checks ?? {});
  return { app, stage, ...stacks };
}

const templateCache = new Map<string, { stateful: Template; stateless: Template }>();

/**
 * The stage's two templates, without bundling or checks. Synthesizing is the slow part of these tests, so a
 * variant is built once per test file and shared (the templates are read-only).
 */
export function templatesFor(overrides: Partial<StageConfigInput> = {}): {
  stateful: Template;
  stateless: Template;
} {
  const key = JSON.stringify(overrides);
  let templates = templateCache.get(key);
  if (!templates) {
    const { stateful, stateless } = synthStage(overrides, { checks: false });
    templates = { stateful: Template.fromStack(stateful), stateless: Template.fromStack(stateless) };
    templateCache.set(key, templates);
  }
  return templates;
}

interface ValidationReport {
  pluginReports: Array<{
    pluginName: string;
    violations: Array<{ ruleName: string; violatingConstructs?: Array<{ constructPath: string }> }>;
    suppressedViolations?: Array<{ ruleName: string; acknowledgedId?: string; reason?: string }>;
  }>;
}

/**
 * Synthesizes the app with its validation plugins and returns the report: the unacknowledged findings as
 * "<rule> at <construct path>", and the acknowledged ones with their reasons.
 */
export function validate(app: App): {
  findings: string[];
  acknowledged: Array<{ plugin: string; rule: string; reason: string }>;
} {
  const exitCode = process.exitCode;
  try {
    app.synth();
  } catch (error) {
    if (!String(error).includes("ValidationFailed")) throw error;
  } finally {
    // A failed validation may set the exit code (it does for CLI runs); keep the test runner's own.
    process.exitCode = exitCode;
  }
  const report = JSON.parse(
    readFileSync(join(app.outdir, "validation-report.json"), "utf8"),
  ) as ValidationReport;
  return {
    findings: report.pluginReports.flatMap((plugin) =>
      plugin.violations.flatMap((v) =>
        (v.violatingConstructs ?? [{ constructPath: "?" }]).map((c) => `${v.ruleName} at ${c.constructPath}`),
      ),
    ),
    acknowledged: report.pluginReports.flatMap((plugin) =>
      (plugin.suppressedViolations ?? []).map((v) => ({
        plugin: plugin.pluginName,
        rule: v.acknowledgedId ?? v.ruleName,
        reason: v.reason ?? "",
      })),
    ),
  };
}
