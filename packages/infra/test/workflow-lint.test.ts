import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lintWorkflow, lintWorkflowFiles } from "../src/ci/workflow-lint.ts";

const fixture = (name: string) => {
  const file = new URL(`./fixtures/workflows/${name}`, import.meta.url);
  return lintWorkflow(name, readFileSync(file, "utf8"));
};

describe("workflow lint", () => {
  it("passes a workflow that pins by SHA, installs without scripts where a token can be requested, and deploys last", () => {
    expect(fixture("good.yml")).toEqual([]);
  });

  it("reports each broken rule of the bad fixture, in its job", () => {
    // Act
    const findings = fixture("bad.yml").map(({ job, rule, message }) => [job, rule, message]);

    // Assess
    expect(findings).toEqual([
      ["deploy", "unpinned-action", "actions/checkout@v4 is not pinned by a commit SHA"],
      [
        "deploy",
        "pin-without-version",
        "actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 needs its release in a comment (# vX.Y.Z)",
      ],
      [
        "deploy",
        "install-scripts-with-oidc",
        '"npm ci" runs install scripts in a job with id-token: write (add --ignore-scripts)',
      ],
      [
        "deploy",
        "install-after-credentials",
        '"npm install --ignore-scripts" runs after AWS credentials were obtained (aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c)',
      ],
      [
        "deploy",
        "install-after-credentials",
        '"npm test" runs after AWS credentials were obtained (aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c)',
      ],
      ["deploy", "unpinned-action", "docker://alpine:3 is not pinned by digest"],
      [
        "scoped",
        "install-scripts-with-oidc",
        '"npm i left-pad" runs install scripts in a job with id-token: write (add --ignore-scripts)',
      ],
      [
        "reusable",
        "unpinned-action",
        "acme/workflows/.github/workflows/deploy.yml@main is not pinned by a commit SHA",
      ],
    ]);
  });

  it("takes id-token from the workflow when a job sets no permissions, and a job's own permissions win", () => {
    const workflow = (workflowPermissions: string, jobPermissions: string) => `
on: push
permissions: ${workflowPermissions}
jobs:
  build:
    runs-on: ubuntu-latest
    ${jobPermissions}
    steps:
      - run: npm ci
`;
    const rules = (text: string) => lintWorkflow("w.yml", text).map((f) => f.rule);
    expect(rules(workflow("{ id-token: write }", ""))).toEqual(["install-scripts-with-oidc"]);
    expect(rules(workflow("{ id-token: write }", "permissions: { contents: read }"))).toEqual([]);
    expect(rules(workflow("{ contents: read }", "permissions: { id-token: write }"))).toEqual([
      "install-scripts-with-oidc",
    ]);
    expect(rules(workflow("read-all", ""))).toEqual([]);
  });

  it("accepts npm_config_ignore_scripts=true instead of the flag, and does not take npm run or install-scripts for installs", () => {
    const text = `
on: push
permissions: { id-token: write }
jobs:
  build:
    runs-on: ubuntu-latest
    env: { npm_config_ignore_scripts: "true" }
    steps:
      - run: npm ci
      - run: npm install-scripts ls && npm run deploy
`;
    expect(lintWorkflow("w.yml", text)).toEqual([]);
  });

  it("passes this repository's workflows", () => {
    expect(lintWorkflowFiles([new URL("../../../.github/workflows", import.meta.url).pathname])).toEqual([]);
  });
});
