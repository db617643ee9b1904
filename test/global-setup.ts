import { startDynamoDbLocal } from "@meridian/sandbox";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

/** Starts DynamoDB Local once per test run (unless DYNAMODB_ENDPOINT is set) and stops it afterwards. */
export default async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  if (process.env.DYNAMODB_ENDPOINT) {
    project.provide("dynamodbEndpoint", process.env.DYNAMODB_ENDPOINT);
    return;
  }
  const engine = await startDynamoDbLocal();
  project.provide("dynamodbEndpoint", engine.endpoint);
  return () => engine.stop();
}
