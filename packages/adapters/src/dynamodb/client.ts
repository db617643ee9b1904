import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export interface DynamoClientOptions {
  /** Set for DynamoDB Local; unset in AWS, where the region's endpoint is used. */
  endpoint?: string;
  region?: string;
}

/** One document client per process, created at cold start and reused by every request. */
export function createDocumentClient(options: DynamoClientOptions = {}): DynamoDBDocumentClient {
  const config: DynamoDBClientConfig = { maxAttempts: 3 };
  if (options.region) config.region = options.region;
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    config.region = options.region ?? "us-east-1";
    // DynamoDB Local accepts any credentials; fixed ones keep the sandbox independent of ~/.aws.
    config.credentials = { accessKeyId: "local", secretAccessKey: "local" };
  }
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
