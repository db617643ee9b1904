import * as z from "zod";

/**
 * Who may deploy from GitHub Actions. The repository has no default on purpose: a placeholder such as
 * `OWNER/meridian` would let whoever owns that name on GitHub assume the deploy role.
 */
export const GithubCiSchema = z.strictObject({
  /** `owner/repo`, exactly as GitHub spells it. */
  repository: z.string().regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, "owner/repo"),
  /** Branches whose pushes may deploy (the `ref:refs/heads/<branch>` subject). */
  branches: z.array(z.string().min(1)).min(1).default(["main"]),
  /** Tag pushes may deploy (release tags). */
  allowTags: z.boolean().default(true),
  /**
   * GitHub environments whose jobs may use the deploy role. A job with `environment: x` gets the token subject
   * `repo:<owner>/<repo>:environment:x` instead of its ref; .github/workflows/deploy.yml uses these two.
   */
  environments: z.array(z.string().min(1)).default(["staging", "production"]),
  /** Environments whose jobs get the separate preview role (.github/workflows/preview.yml uses `preview`). */
  previewEnvironments: z.array(z.string().min(1)).default(["preview"]),
  /** Pull-request jobs without an environment may use the preview role too. */
  allowPullRequests: z.boolean().default(true),
  /** The bootstrap qualifier (`cdk bootstrap --qualifier`); the default is CDK's. */
  cdkQualifier: z
    .string()
    .regex(/^[a-z0-9]{1,10}$/)
    .default("hnb659fds"),
  /** IAM allows one provider per URL and account: set false when the account already has GitHub's. */
  createOidcProvider: z.boolean().default(true),
});

export type GithubCiConfig = z.output<typeof GithubCiSchema>;
export type GithubCiInput = z.input<typeof GithubCiSchema>;

export function defineGithubCi(input: GithubCiInput): GithubCiConfig {
  const result = GithubCiSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join(".") || "(github)"}: ${i.message}`);
  throw new Error(`Invalid GitHub CI config: ${problems.join("; ")}`);
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
