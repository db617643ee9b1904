import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { stackName } from "../config/naming.ts";
import { checkCredentials, describeAwsError, type StageTarget } from "./aws-target.ts";
import { StageCliError } from "./cli-support.ts";

export type StackPart = "stateful" | "stateless";

/**
 * The outputs of one of a stage's stacks (`meridian-<stage>-<part>` in the target region), by output key:
 * where the commands find log groups, queues and the user pool, so they follow whatever the CDK app deployed.
 * Checks the credentials first.
 */
export async function stackOutputs(target: StageTarget, part: StackPart): Promise<Record<string, string>> {
  const name = stackName(target.stage, part);
  const cfn = new CloudFormationClient({ region: target.region });
  try {
    await checkCredentials(cfn.config.credentials, target);
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: name }));
    const outputs: Record<string, string> = {};
    for (const { OutputKey, OutputValue } of Stacks?.[0]?.Outputs ?? []) {
      if (OutputKey && OutputValue !== undefined) outputs[OutputKey] = OutputValue;
    }
    return outputs;
  } catch (error) {
    if ((error as Error).name === "ValidationError" && /does not exist/.test((error as Error).message)) {
      throw new StageCliError(
        `No stack ${name} in ${target.region}: deploy the stage first (\`npm run deploy -- --stage ${target.stage}\`), ` +
          "or pass --region <one of its regions>.",
      );
    }
    throw describeAwsError(error, `reading the outputs of ${name} in ${target.region}`);
  } finally {
    cfn.destroy();
  }
}

/** One output of `outputs`, or an error that names the stack and says to redeploy. */
export function requireOutput(
  outputs: Record<string, string>,
  key: string,
  target: StageTarget,
  part: StackPart,
) {
  const value = outputs[key];
  if (!value) {
    throw new StageCliError(
      `Stack ${stackName(target.stage, part)} in ${target.region} has no output ${key}: deploy the current app ` +
        `(\`npm run deploy -- --stage ${target.stage}\`).`,
    );
  }
  return value;
}
