import type { DynamoDBStreamHandler } from "aws-lambda";
import type { RunningSandbox } from "../running.ts";

/**
 * Loads the handler of a stream mapping for `npm run dlq -- redrive`. The CLI sets DYNAMODB_ENDPOINT to
 * the running sandbox's DynamoDB before calling it and passes the sandbox's details (tables, secret)
 * for handlers that need more wiring.
 */
export type StreamHandlerLoader = (sandbox: RunningSandbox) => Promise<DynamoDBStreamHandler>;

/**
 * Stream handlers by mapping name (the `name` given to `startStreamRunner`), for redriving their
 * on-failure destination from the CLI. Import the handler lazily so the CLI loads only what it uses:
 *
 * @example
 * export const streamHandlers: Record<string, StreamHandlerLoader> = {
 *   "order-stream": async () => (await import("@meridian/functions")).orderStreamHandler,
 * };
 */
export const streamHandlers: Record<string, StreamHandlerLoader> = {
  "order-stream": async (sandbox) => {
    const { createOrderStreamHandler } = await import("@meridian/functions");
    return createOrderStreamHandler({
      tables: sandbox.tables,
      dynamodbEndpoint: sandbox.dynamodbEndpoint,
      dynamodbCredentials: sandbox.dynamodbCredentials,
    });
  },
};
