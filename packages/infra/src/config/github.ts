import { parseConfig } from "@meridian/core";
import * as z from "zod/mini";

/**
 * Who may deploy from GitHub Actions. The repository has no default on purpose: a placeholder such as
 * `OWNER/meridian` would let whoever owns that name on GitHub assume the deploy role.
 */
export const GithubCiSchema = z.strictObject({
  /** `owner/repo`, exactly as GitHub spells it. */
  repository: z.string().check(z.regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, "owner/repo")),
  /** Branches whose pushes may deploy (the `ref:refs/heads/<branch>` subject). */
  branches: z._default(z.array(z.string().check(z.minLength(1))).check(z.minLength(1)), ["main"]),
  /** Tag pushes may deploy (release tags). */
  allowTags: z._default(z.boolean(), true),
  /**
   * GitHub environments whose jobs may use the deploy role. A job with `environment: x` gets the token subject
   * `repo:<owner>/<repo>:environment:x` instead of its ref; .github/workflows/deploy.yml uses these two.
   */
  environments: z._default(z.array(z.string().check(z.minLength(1))), ["staging", "production"]),
  /** Environments whose jobs get the separate preview role (.github/workflows/preview.yml uses `preview`). */
  previewEnvironments: z._default(z.array(z.string().check(z.minLength(1))), ["preview"]),
  /** Pull-request jobs without an environment may use the preview role too. */
  allowPullRequests: z._default(z.boolean(), true),
  /** The bootstrap qualifier (`cdk bootstrap --qualifier`); the default is CDK's. */
  cdkQualifier: z._default(z.string().check(z.regex(/^[a-z0-9]{1,10}$/)), "hnb659fds"),
  /** IAM allows one provider per URL and account: set false when the account already has GitHub's. */
  createOidcProvider: z._default(z.boolean(), true),
});

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

/**
 * The CI config when a repository is known: context `-c githubRepository=owner/repo`, else env
 * MERIDIAN_GITHUB_REPOSITORY, else GITHUB_REPOSITORY (set by GitHub Actions). Undefined otherwise.
 */
export function resolveGithubCi(
  contextRepository: string | undefined,
  env: Record<string, string | undefined> = process.env,
): GithubCiConfig | undefined {
  const repository = contextRepository ?? env.MERIDIAN_GITHUB_REPOSITORY ?? env.GITHUB_REPOSITORY;
  return repository ? defineGithubCi({ repository }) : undefined;
}
