import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { BUDGETS, type CallBudget } from "@meridian/core";
import { clientBudget } from "../aws/budget.ts";

/** Credentials for a DynamoDB you run yourself (DynamoDB Local accepts any, and keeps one database per key). */
export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What a client of an `endpoint` signs with when it is given no credentials of its own. */
export const LOCAL_CREDENTIALS: LocalCredentials = { accessKeyId: "local", secretAccessKey: "local" };

export interface DynamoClientOptions {
  /** Set for DynamoDB Local; unset in AWS, where the region's endpoint is used. */
  endpoint?: string;
  /**
   * With an `endpoint`: the credentials to sign with (the sandbox gives each state directory its own, so a
   * stranger's key opens an empty database). Default LOCAL_CREDENTIALS. Ignored without an endpoint: in AWS
   * the SDK's own credential chain is used.
   */
  credentials?: LocalCredentials;
  region?: string;
  /**
   * Connect and attempt timeouts and the retry budget of every call (see @meridian/core's BUDGETS). Default:
   * the local tooling's, for set-up and CLIs; each function passes its own.
   */
  budget?: CallBudget;
  /**
   * Called once with the low-level client before it is wrapped, e.g. to add X-Ray tracing
   * (`tracer.captureAWSv3Client`). The document client shares its middleware stack, so what is added
   * here applies to every command sent through either.
   */
  instrument?: (client: DynamoDBClient) => DynamoDBClient;
}

function clientConfig(options: DynamoClientOptions): DynamoDBClientConfig {
  const config: DynamoDBClientConfig = { ...clientBudget(options.budget ?? BUDGETS.tooling.call) };
  if (options.region) config.region = options.region;
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    config.region = options.region ?? "us-east-1";
    // DynamoDB Local accepts any credentials; given ones keep the sandbox independent of ~/.aws.
    // A copy: the SDK writes its own bookkeeping (`$source`) onto the object it is given.
    const { accessKeyId, secretAccessKey } = options.credentials ?? LOCAL_CREDENTIALS;
    config.credentials = { accessKeyId, secretAccessKey };
  }
  return config;
}

/** One document client per process, created at cold start and reused by every request. */
export function createDocumentClient(options: DynamoClientOptions = {}): DynamoDBDocumentClient {
  const client = new DynamoDBClient(clientConfig(options));
  return DynamoDBDocumentClient.from(options.instrument?.(client) ?? client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/**
 * A low-level client for hand-marshalled commands on the hot path (the epoch PutItem). It sets the SDK's
 * `cacheMiddleware`: each command class's middleware stack is resolved once instead of on every send,
 * about 100 µs less CPU per call (measured with `bench/epoch-post.ts`'s servers: 603 -> 487 µs per
 * request). lib-dynamodb refuses that option, so the document client keeps its own client; nothing may add
 * middleware to a single command sent through this one. Given `sharing`, it sends through that client's
 * connection pool, so a cold start opens one connection to DynamoDB, not two; the pool then belongs to
 * `sharing`: destroy that client, not this one (either's `destroy()` closes the shared pool).
 */
export function createCommandClient(
  options: DynamoClientOptions = {},
  sharing?: DynamoDBDocumentClient,
): DynamoDBClient {
  const client = new DynamoDBClient({
    ...clientConfig(options),
    cacheMiddleware: true,
    ...(sharing ? { requestHandler: sharing.config.requestHandler } : {}),
  });
  return options.instrument?.(client) ?? client;
}
