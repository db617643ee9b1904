import { App } from "aws-cdk-lib";
import { addSecurityChecks } from "./checks.ts";
import { resolveGithubCi } from "./config/github.ts";
import { namedStageConfigs, resolveStage } from "./config/stages.ts";
import { addGithubOidc, addStage } from "./meridian-app.ts";

/**
 * The CDK app (cdk.json runs it). Context decides what is synthesized:
 * - `-c stage=<name>`: that stage's stacks only (what `npm run deploy -- --stage <name>` uses);
 * - `-c target=github-oidc`: the GitHub OIDC stack only (needs a repository, see config/github.ts);
 * - nothing: dev, staging and prod, plus the GitHub OIDC stack when a repository is known (`npm run synth`).
 */
const app = new App();
const stageName: unknown = app.node.tryGetContext("stage");
const target: unknown = app.node.tryGetContext("target");
const repository: unknown = app.node.tryGetContext("githubRepository");
const github = resolveGithubCi(typeof repository === "string" ? repository : undefined);

if (target === "github-oidc") {
  if (!github) {
    throw new Error(
      "The GitHub OIDC stack needs the repository it trusts: -c githubRepository=<owner>/<repo> " +
        "(or MERIDIAN_GITHUB_REPOSITORY / GITHUB_REPOSITORY).",
    );
  }
  addGithubOidc(app, github, process.env.CDK_DEFAULT_ACCOUNT);
} else if (typeof stageName === "string" && stageName !== "") {
  addStage(app, resolveStage(stageName));
} else {
  for (const stage of namedStageConfigs()) addStage(app, stage);
  if (github) addGithubOidc(app, github, process.env.CDK_DEFAULT_ACCOUNT);
}

addSecurityChecks(app);
app.synth();
