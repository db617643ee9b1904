import { parseConfig } from "@meridian/core";
import * as z from "zod/mini";

/** Role and policy names the workflows and docs/deploy.md refer to. */
export const DEPLOY_ROLE_NAME = "meridian-github-deploy";
export const PREVIEW_ROLE_NAME = "meridian-github-preview";
/** The only role a preview's CloudFormation changes run as (`cdk deploy --role-arn`). */
export const PREVIEW_EXECUTION_ROLE_NAME = "meridian-preview-cfn-exec";
/** The ceiling of everything a pull request can reach: the preview roles and every role a preview creates. */
export const PREVIEW_BOUNDARY_NAME = "meridian-preview-boundary";
/**
 * Preview stages are `pr-<number>` (.github/workflows/preview.yml), so their stacks, tables, queues, topics and
 * functions are all named `meridian-pr-*` and their secrets `meridian/pr-*`. Stage names `pr` and `pr-*` are
 * therefore reserved for previews: a personal stage with such a name is reachable from pull requests.
 */
export const PREVIEW_STAGE_PREFIX = "pr-";

const ENVIRONMENT = /^[A-Za-z0-9._-]+$/;
const WORKFLOW = /^\.github\/workflows\/[A-Za-z0-9._-]+\.ya?ml$/;
const positiveInt = () => z.number().check(z.int(), z.positive());

/**
 * One GitHub environment trusted by a role, and the only workflow file and refs whose jobs in that environment
 * may use it. A job's OIDC token names all three (`sub` ...:environment:<name>, `job_workflow_ref`
 * <owner>/<repo>/<workflow>@<ref>); the role's trust policy checks each.
 */
function trustSchema(refPattern: RegExp, refHint: string, workflow: string) {
  return z.strictObject({
    /** Spelled exactly as the workflow's `environment:` and the environment in Settings > Environments. */
    environment: z.string().check(z.regex(ENVIRONMENT, "an environment name of letters, digits, . _ -")),
    /** The workflow file (path in the repository) whose jobs may use the role from this environment. */
    workflow: z._default(z.string().check(z.regex(WORKFLOW, ".github/workflows/<file>.yml")), workflow),
    /** Refs the workflow must run from (`*` matches anything, as in IAM's StringLike). */
    refs: z.array(z.string().check(z.regex(refPattern, refHint))).check(z.minLength(1)),
  });
}

/** Deploy environments run from branches or tags, never from `refs/pull/...`. */
const DeployTrustSchema = trustSchema(
  /^refs\/(heads|tags)\/[A-Za-z0-9._/*-]+$/,
  "refs/heads/<branch> or refs/tags/<tag> (pull request refs never reach the deploy role)",
  ".github/workflows/deploy.yml",
);
const PreviewTrustSchema = trustSchema(
  /^refs\/(heads|tags|pull)\/[A-Za-z0-9._/*-]+$/,
  "refs/heads/..., refs/tags/... or refs/pull/...",
  ".github/workflows/preview.yml",
);

export type GithubTrust = z.output<typeof DeployTrustSchema>;

/**
 * Who may deploy from GitHub Actions. The repository has no default on purpose: a placeholder such as
 * `OWNER/meridian` would let whoever owns that name on GitHub assume the deploy role. Its numeric id has none
 * either: names can be deleted and registered again by someone else, the id cannot.
 */
export const GithubCiSchema = z
  .strictObject({
    /** `owner/repo`, exactly as GitHub spells it. */
    repository: z.string().check(z.regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, "owner/repo")),
    /** The repository's numeric id: `gh api repos/OWNER/REPO --jq .id` (the token's `repository_id` claim). */
    repositoryId: positiveInt(),
    /** The owner's numeric id (`gh api repos/OWNER/REPO --jq .owner.id`); needed for the immutable `sub`. */
    ownerId: z.optional(positiveInt()),
    /**
     * The `sub` format the repository's tokens carry: `legacy` is `repo:owner/repo:...`; `immutable` is
     * `repo:owner@<ownerId>/repo@<repositoryId>:...`, which GitHub uses for repositories created from
     * 15 July 2026 and for older ones that opted in.
     */
    subjectFormat: z._default(z.enum(["legacy", "immutable"]), "legacy"),
    /**
     * What may use the deploy role (which assumes the CDK bootstrap roles: everything the account's CDK can
     * do). Only GitHub environments are trusted, never bare branches, tags or pull requests, so every deploy
     * passes the environment's protection rules (production: required reviewers). Empty: no deploy role.
     */
    deploy: z._default(z.array(DeployTrustSchema), [
      { environment: "staging", workflow: ".github/workflows/deploy.yml", refs: ["refs/heads/main"] },
      { environment: "production", workflow: ".github/workflows/deploy.yml", refs: ["refs/tags/v*"] },
    ]),
    /**
     * What may use the preview role, which can deploy `meridian-pr-*` stacks only, as the preview execution
     * role, under the preview permissions boundary. Empty: no preview role, boundary or execution role.
     */
    preview: z._default(z.array(PreviewTrustSchema), [
      { environment: "preview", workflow: ".github/workflows/preview.yml", refs: ["refs/pull/*/merge"] },
    ]),
    /** The bootstrap qualifier of the deploy stages (`cdk bootstrap --qualifier`); the default is CDK's. */
    cdkQualifier: z._default(z.string().check(z.regex(/^[a-z0-9]{1,10}$/)), "hnb659fds"),
    /**
     * The bootstrap qualifier previews synthesize with, so their assets go to a bucket of their own: a pull
     * request that could write to the deploy stages' asset bucket could replace the code staging deploys next.
     */
    previewQualifier: z._default(z.string().check(z.regex(/^[a-z0-9]{1,10}$/)), "mrdnprev"),
    /** IAM allows one provider per URL and account: set false when the account already has GitHub's. */
    createOidcProvider: z._default(z.boolean(), true),
  })
  .check(
    z.refine((c) => c.subjectFormat !== "immutable" || c.ownerId !== undefined, {
      message: "the immutable subject format needs ownerId",
      path: ["ownerId"],
    }),
    z.refine(
      (c) => {
        const names = [...c.deploy, ...c.preview].map((t) => t.environment);
        return new Set(names).size === names.length;
      },
      {
        message: "an environment is trusted once: never by both the deploy and the preview role",
        path: ["preview"],
      },
    ),
    z.refine((c) => c.previewQualifier !== c.cdkQualifier, {
      message: "previews need a bootstrap qualifier (and asset bucket) of their own",
      path: ["previewQualifier"],
    }),
  );

export type GithubCiConfig = z.output<typeof GithubCiSchema>;
export type GithubCiInput = z.input<typeof GithubCiSchema>;

export function defineGithubCi(input: GithubCiInput): GithubCiConfig {
  return parseConfig(
    GithubCiSchema,
    input,
    "(github)",
    (problems) => new Error(`Invalid GitHub CI config: ${problems.join("; ")}`),
  );
}

/** The token `sub` of a job in `environment`, in the repository's subject format. */
export function environmentSubject(github: GithubCiConfig, environment: string): string {
  const [owner, name] = github.repository.split("/") as [string, string];
  const repo =
    github.subjectFormat === "immutable"
      ? `${owner}@${github.ownerId}/${name}@${github.repositoryId}`
      : github.repository;
  return `repo:${repo}:environment:${environment}`;
}

/** The token's `job_workflow_ref` patterns a trust entry allows: `<owner>/<repo>/<workflow>@<ref>`. */
export function jobWorkflowRefs(github: GithubCiConfig, trust: GithubTrust): string[] {
  return trust.refs.map((ref) => `${github.repository}/${trust.workflow}@${ref}`);
}

/**
 * The CDK context a preview deploy needs, which .github/workflows/preview.yml writes to `~/.cdk.json` (the CLI
 * reads it as user context; an object value cannot be passed with `-c`): the preview qualifier, and the boundary
 * on every role the stage creates. The execution role may create roles only with that boundary, so without it a
 * preview fails instead of escaping it.
 */
export function previewCdkContext(github: GithubCiConfig): Record<string, unknown> {
  return {
    "@aws-cdk/core:bootstrapQualifier": github.previewQualifier,
    "@aws-cdk/core:permissionsBoundary": { name: PREVIEW_BOUNDARY_NAME },
  };
}

const numeric = (value: string | undefined) =>
  value !== undefined && /^[0-9]+$/.test(value) ? Number(value) : value;

/**
 * The CI config when a repository is known: context `-c githubRepository=owner/repo` or env
 * MERIDIAN_GITHUB_REPOSITORY, with its id from MERIDIAN_GITHUB_REPOSITORY_ID (and MERIDIAN_GITHUB_OWNER_ID);
 * else GITHUB_REPOSITORY with GITHUB_REPOSITORY_ID and GITHUB_REPOSITORY_OWNER_ID (all set by GitHub Actions).
 * An id is taken only from the source that named the repository. MERIDIAN_GITHUB_SUBJECT_FORMAT picks the
 * `sub` format; MERIDIAN_GITHUB_ROLES=deploy or =preview builds one kind of role only (an account that holds
 * production, or one that holds previews); MERIDIAN_GITHUB_CREATE_OIDC_PROVIDER=false reuses the account's
 * provider. Undefined when no repository is known; a repository without an id is an error.
 */
export function resolveGithubCi(
  contextRepository: string | undefined,
  env: Record<string, string | undefined> = process.env,
): GithubCiConfig | undefined {
  const ours = contextRepository ?? env.MERIDIAN_GITHUB_REPOSITORY;
  const repository = ours ?? env.GITHUB_REPOSITORY;
  if (!repository) return undefined;
  const repositoryId = ours ? env.MERIDIAN_GITHUB_REPOSITORY_ID : env.GITHUB_REPOSITORY_ID;
  const ownerId = ours ? env.MERIDIAN_GITHUB_OWNER_ID : env.GITHUB_REPOSITORY_OWNER_ID;
  if (!repositoryId) {
    throw new Error(
      `The GitHub OIDC roles for ${repository} need the repository's numeric id: set ` +
        `MERIDIAN_GITHUB_REPOSITORY_ID (gh api repos/${repository} --jq .id).`,
    );
  }
  const roles = env.MERIDIAN_GITHUB_ROLES;
  if (roles !== undefined && roles !== "deploy" && roles !== "preview") {
    throw new Error(`MERIDIAN_GITHUB_ROLES must be "deploy" or "preview", not "${roles}".`);
  }
  const subjectFormat = env.MERIDIAN_GITHUB_SUBJECT_FORMAT;
  return defineGithubCi({
    repository,
    repositoryId: numeric(repositoryId) as number,
    ...(ownerId ? { ownerId: numeric(ownerId) as number } : {}),
    ...(subjectFormat ? { subjectFormat: subjectFormat as "legacy" | "immutable" } : {}),
    ...(roles === "deploy" ? { preview: [] } : {}),
    ...(roles === "preview" ? { deploy: [] } : {}),
    ...(env.MERIDIAN_GITHUB_CREATE_OIDC_PROVIDER === "false" ? { createOidcProvider: false } : {}),
  });
}
