import { CfnGuardValidator } from "@cdklabs/cdk-validator-cfnguard";
import { type App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";

/**
 * Control Tower proactive controls that cannot be met by design. cfn-guard has no per-resource suppression in
 * these bundled rules, so each one is disabled for the whole app, with its reason here.
 */
export const DISABLED_GUARD_RULES: Record<string, string> = {};

export interface SecurityCheckOptions {
  /** cdk-nag AwsSolutions pack (default true). */
  nag?: boolean;
  /** cfn-guard with the bundled Control Tower proactive controls (default true). */
  guard?: boolean;
}

/**
 * Security gates that run inside synthesis: any unacknowledged cdk-nag finding or Control Tower rule violation
 * fails `cdk synth`. Acknowledge a nag finding next to its resource with
 * `Validations.of(construct).acknowledge({ id, reason })`.
 */
export function addSecurityChecks(app: App, options: SecurityCheckOptions = {}): void {
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  if (options.guard ?? true) {
    Validations.of(app).addPlugins(
      new CfnGuardValidator({ disabledRules: Object.keys(DISABLED_GUARD_RULES) }),
    );
  }
}
