import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { load } from "js-yaml";

/**
 * Rules GitHub Actions workflows must keep, on top of actionlint's syntax checks (`npm run lint:workflows`):
 *
 * - `unpinned-action`: every action and reusable workflow is pinned by a full commit SHA (a tag can be moved
 *   to other code by whoever controls the action's repository); local `./` actions and `docker://` images
 *   pinned by digest are fine.
 * - `pin-without-version`: a SHA pin says which release it is in a comment (`uses: o/a@<sha> # v1.2.3`), so
 *   reviews and updates can tell.
 * - `install-scripts-with-oidc`: a job that may request an OIDC token (`id-token: write`, in the job or
 *   inherited from the workflow) installs packages only with `--ignore-scripts`: any dependency's install
 *   script could otherwise request the token and assume the deploy role.
 * - `install-after-credentials`: nothing is installed or tested after AWS credentials are obtained: they come
 *   right before the step that deploys.
 */
export type WorkflowRule =
  | "unpinned-action"
  | "pin-without-version"
  | "install-scripts-with-oidc"
  | "install-after-credentials";

export interface WorkflowFinding {
  file: string;
  job: string;
  rule: WorkflowRule;
  message: string;
}

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, unknown>;
}

interface Job {
  permissions?: unknown;
  uses?: string;
  env?: Record<string, unknown>;
  steps?: Step[];
}

interface Workflow {
  permissions?: unknown;
  env?: Record<string, unknown>;
  jobs?: Record<string, Job>;
}

const SHA_PIN = /^[^\s@]+@[0-9a-f]{40}$/;
const DIGEST_PIN = /^docker:\/\/[^\s@]+@sha256:[0-9a-f]{64}$/;
/** npm commands that run lifecycle scripts of the packages they install. */
const NPM_INSTALL =
  /\bnpm\s+(?:ci|clean-install|install|i|in|add|isntall|install-ci-test|cit|it|rebuild|rb)(?=\s|$)/;
const NPM_TEST = /\bnpm\s+(?:test|t|tst|run\s+test)(?=\s|$)/;
const AWS_CREDENTIALS = /^aws-actions\/configure-aws-credentials@/;

/** Whether the permissions (of a job, else of the workflow) let a job request an OIDC token. */
function mayRequestIdToken(permissions: unknown): boolean {
  if (permissions === "write-all") return true;
  return (
    typeof permissions === "object" &&
    permissions !== null &&
    (permissions as Record<string, unknown>)["id-token"] === "write"
  );
}

function ignoresScriptsByEnv(...envs: Array<Record<string, unknown> | undefined>): boolean {
  return envs.some((env) =>
    Object.entries(env ?? {}).some(
      ([key, value]) => key.toLowerCase() === "npm_config_ignore_scripts" && String(value) === "true",
    ),
  );
}

/** The shell commands of a `run:` script, split at newlines and at `&&`, `||`, `;`. */
function commands(script: string): string[] {
  return script
    .replace(/\\\n/g, " ")
    .split(/\n|&&|\|\||;/)
    .map((command) => command.trim())
    .filter((command) => command !== "" && !command.startsWith("#"));
}

function stepName(step: Step, index: number): string {
  return step.name ?? step.uses ?? step.run?.split("\n")[0] ?? `step ${index + 1}`;
}

/** Lines of the file that say `uses: <value>`, so the comment after a pin can be read (YAML parsers drop it). */
function usesLines(text: string): Map<string, string[]> {
  const lines = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const match = /^\s*(?:-\s+)?uses:\s*["']?([^\s"'#]+)["']?\s*(?:#\s*(.*))?$/.exec(line);
    if (!match) continue;
    const [, value, comment] = match as unknown as [string, string, string | undefined];
    lines.set(value, [...(lines.get(value) ?? []), comment?.trim() ?? ""]);
  }
  return lines;
}

/**
 * Checks one workflow. Pure: give it the file's name (for messages) and its text.
 *
 * @example
 * lintWorkflow("deploy.yml", readFileSync(".github/workflows/deploy.yml", "utf8")); // [] when it keeps the rules
 */
export function lintWorkflow(file: string, text: string): WorkflowFinding[] {
  const workflow = (load(text, { filename: file }) ?? {}) as Workflow;
  const comments = usesLines(text);
  const findings: WorkflowFinding[] = [];

  const checkPin = (job: string, uses: string) => {
    if (uses.startsWith("./")) return;
    if (uses.startsWith("docker://")) {
      if (!DIGEST_PIN.test(uses)) {
        findings.push({ file, job, rule: "unpinned-action", message: `${uses} is not pinned by digest` });
      }
      return;
    }
    if (!SHA_PIN.test(uses)) {
      findings.push({ file, job, rule: "unpinned-action", message: `${uses} is not pinned by a commit SHA` });
      return;
    }
    if (!(comments.get(uses) ?? [""]).every((comment) => /\d/.test(comment))) {
      findings.push({
        file,
        job,
        rule: "pin-without-version",
        message: `${uses} needs its release in a comment (# vX.Y.Z)`,
      });
    }
  };

  for (const [jobId, job] of Object.entries(workflow.jobs ?? {})) {
    if (job.uses) checkPin(jobId, job.uses);
    const oidc = mayRequestIdToken(job.permissions !== undefined ? job.permissions : workflow.permissions);
    let credentialsAt: string | undefined;
    (job.steps ?? []).forEach((step, index) => {
      if (step.uses) {
        checkPin(jobId, step.uses);
        if (AWS_CREDENTIALS.test(step.uses)) credentialsAt ??= stepName(step, index);
      }
      if (!step.run) return;
      const envIgnores = ignoresScriptsByEnv(workflow.env, job.env, step.env);
      for (const command of commands(step.run)) {
        const installs = NPM_INSTALL.test(command);
        if (installs && oidc && !envIgnores && !/--ignore-scripts(?:=true)?(?:\s|$)/.test(command)) {
          findings.push({
            file,
            job: jobId,
            rule: "install-scripts-with-oidc",
            message: `"${command}" runs install scripts in a job with id-token: write (add --ignore-scripts)`,
          });
        }
        if (credentialsAt && (installs || NPM_TEST.test(command))) {
          findings.push({
            file,
            job: jobId,
            rule: "install-after-credentials",
            message: `"${command}" runs after AWS credentials were obtained (${credentialsAt})`,
          });
        }
      }
    });
  }
  return findings;
}

/** Checks every `.yml`/`.yaml` file in the given directories (or the given files). */
export function lintWorkflowFiles(paths: string[]): WorkflowFinding[] {
  const files = paths.flatMap((path) =>
    statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((name) => /\.ya?ml$/.test(name))
          .sort()
          .map((name) => join(path, name))
      : [path],
  );
  return files.flatMap((file) => lintWorkflow(file, readFileSync(file, "utf8")));
}

function main(argv: string[]): number {
  const findings = lintWorkflowFiles(argv.length > 0 ? argv : [".github/workflows"]);
  for (const f of findings) console.error(`${f.file}: job ${f.job}: ${f.message} [${f.rule}]`);
  if (findings.length > 0)
    console.error(`${findings.length} workflow finding(s); see packages/infra/src/ci/workflow-lint.ts`);
  return findings.length > 0 ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
