import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { mockClient } from "aws-sdk-client-mock";
import { vi } from "vitest";
import type { Io } from "../src/stage-cli/cli-support.ts";

// There is no AWS here, and no local engine for CloudFormation, CloudWatch Logs, SQS, Lambda or Cognito: the
// SDK clients are mocked, and the tests check the exact requests and what the commands print.

/** Fixed credentials in the environment (the SDK's default chain resolves them); nothing else of AWS's. */
export function fakeAwsEnvironment(): void {
  vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "example-secret");
  vi.stubEnv("AWS_SESSION_TOKEN", "");
  vi.stubEnv("AWS_PROFILE", "");
  vi.stubEnv("AWS_REGION", "");
  vi.stubEnv("CDK_DEFAULT_REGION", "");
  vi.stubEnv("AWS_EC2_METADATA_DISABLED", "true");
  vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials");
  vi.stubEnv("AWS_CONFIG_FILE", "/nonexistent/config");
  vi.stubEnv("AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED", "true");
}

/** No credentials anywhere the default chain looks. */
export function noAwsCredentials(): void {
  fakeAwsEnvironment();
  vi.stubEnv("AWS_ACCESS_KEY_ID", "");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "");
  vi.stubEnv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "");
  vi.stubEnv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "");
  vi.stubEnv("AWS_WEB_IDENTITY_TOKEN_FILE", "");
}

/** CloudFormation answering DescribeStacks for `stackName` with `outputs`, and "does not exist" otherwise. */
export function stackWithOutputs(
  stackName: string,
  outputs: Record<string, string>,
): ReturnType<typeof mockClient> {
  const cfn = mockClient(CloudFormationClient);
  cfn.on(DescribeStacksCommand).callsFake((input: { StackName?: string }) => {
    if (input.StackName !== stackName) {
      const error = new Error(`Stack with id ${input.StackName} does not exist`);
      error.name = "ValidationError";
      throw error;
    }
    return {
      Stacks: [
        {
          StackName: stackName,
          CreationTime: new Date(),
          StackStatus: "UPDATE_COMPLETE",
          Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
        },
      ],
    };
  });
  return cfn;
}

/** An Io that keeps what a command prints. */
export function captureIo(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => stdout.push(line), err: (line) => stderr.push(line) };
}
