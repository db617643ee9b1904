import type { DynamoDBStreamHandler } from "aws-lambda";
import type { RunningSandbox } from "../running.ts";

/**
 * Loads the handler of a stream mapping for `npm run dlq -- redrive`, wired to the running sandbox's
 * DynamoDB, tables and credentials (`sandbox`).
 */
export type StreamHandlerLoader = (sandbox: RunningSandbox) => Promise<DynamoDBStreamHandler>;

/**
 * Stream handlers by mapping name (the `name` given to `startStreamRunner`), for redriving their
 * on-failure destination from the CLI. Import the handler lazily so the CLI loads only what it uses:
 *
 * @example
 * export const streamHandlers: Record<string, StreamHandlerLoader> = {
 *   "order-stream": async (sandbox) =>
 *     (await import("@meridian/functions")).createOrderStreamHandler({ tables: sandbox.tables, ... }),
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
