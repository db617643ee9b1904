/**
 * The handlers bench/cold-start.ts compares, each bundled the way Lambda's are (bench/lib/bundle.ts): the real
 * `http` function, the same bundle traced, a minimal one-PutItem handler, that handler plus the API-key read,
 * and the `http` bundle without the tracer's code.
 */
import { join } from "node:path";
import { httpEnvironment } from "@meridian/functions";
import { bundleLambda, type LambdaBundle, lambdaFunctions, repoRoot, stubModule } from "../lib/bundle.ts";

export type VariantName = "ours" | "traced" | "minimal" | "minimal-key-check" | "no-tracer";

export interface Variant {
  name: VariantName;
  label: string;
  bundle: LambdaBundle;
  /** Set on top of the shared environment. */
  env?: NodeJS.ProcessEnv;
  /** Measured on the cold path only (its warm path is the same code as another variant's). */
  coldOnly?: boolean;
}

/** Bundles every variant under `workDir` (one folder each); `ours` is also returned on its own. */
export async function buildVariants(
  workDir: string,
): Promise<{ variants: Variant[]; oursBundle: LambdaBundle }> {
  const httpFunction = lambdaFunctions.find((fn) => fn.name === "http");
  if (!httpFunction) throw new Error("no http function in bench/lib/bundle.ts");

  const oursBundle = await bundleLambda(httpFunction.entry, join(workDir, "ours"));
  const variants: Variant[] = [
    {
      name: "ours",
      label: "ours (`http` bundle: Hono app, API-key auth, zod, DynamoDB document client)",
      bundle: oursBundle,
    },
    {
      name: "traced",
      label: "ours, tracing on (same bundle, `TRACING_ENABLED=true`)",
      bundle: oursBundle,
      env: { [httpEnvironment.variables.tracingEnabled]: "true" },
    },
    {
      name: "minimal",
      label: "minimal (one PutItem, bare `@aws-sdk/client-dynamodb`)",
      bundle: await bundleLambda(join(repoRoot, "bench/lib/minimal-handler.ts"), join(workDir, "minimal")),
    },
    {
      // Not the target's reference: what the API-key read alone adds to the floor (cold only: ours caches keys).
      name: "minimal-key-check",
      label: "minimal + the API-key check (GetItem of the key, then the PutItem; bare SDK)",
      bundle: await bundleLambda(
        join(repoRoot, "bench/lib/minimal-key-check-handler.ts"),
        join(workDir, "minimal-key-check"),
      ),
      coldOnly: true,
    },
    {
      // With tracing off the tracer's chunk is never loaded (code splitting); this checks that it costs nothing.
      name: "no-tracer",
      label: "ours without the tracer's code (`tracing/xray.ts` stubbed out of the bundle)",
      bundle: await bundleLambda(httpFunction.entry, join(workDir, "no-tracer"), [
        stubModule(
          /^\.\/xray\.ts$/,
          /functions\/src\/tracing\/tracing\.ts$/,
          'export function createXrayTracing() { throw new Error("stubbed"); }',
        ),
      ]),
      coldOnly: true,
    },
  ];
  return { variants, oursBundle };
}

/** Each variant in each position equally often, so drift on the machine hits all of them alike. */
export const rotated = (list: Variant[], i: number) => [
  ...list.slice(i % list.length),
  ...list.slice(0, i % list.length),
];
