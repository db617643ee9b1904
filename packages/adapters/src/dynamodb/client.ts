import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export interface DynamoClientOptions {
  /** Set for DynamoDB Local; unset in AWS, where the region's endpoint is used. */
  endpoint?: string;
  region?: string;
  /**
   * Called once with the low-level client before it is wrapped, e.g. to add X-Ray tracing
   * (`tracer.captureAWSv3Client`). The document client shares its middleware stack, so what is added
   * here applies to every command sent through either.
   */
  instrument?: (client: DynamoDBClient) => DynamoDBClient;
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
  const client = new DynamoDBClient(config);
  return DynamoDBDocumentClient.from(options.instrument?.(client) ?? client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}
