/**
 * The floor for the cold-start comparison: a Lambda handler that does what `POST /epoch` must do at the
 * least — one conditional PutItem with the bare SDK client — and nothing else (no framework, no schema,
 * no API-key check, no logging). Bundled with the same options as the real functions.
 */
import { randomUUID } from "node:crypto";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

const table = process.env.TABLE_EPOCHS;
/** Shared with minimal-key-check-handler.ts, which reads the key through it before calling `handler`. */
export const client = new DynamoDBClient(
  process.env.DYNAMODB_ENDPOINT ? { endpoint: process.env.DYNAMODB_ENDPOINT } : {},
);

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const id = randomUUID();
  const epoch = Date.now() / 1000;
  const ip = event.requestContext.http.sourceIp;
  await client.send(
    new PutItemCommand({
      TableName: table,
      Item: { pk: { S: `EPOCH#${id.at(-1)}` }, sk: { S: id }, epoch: { N: String(epoch) }, ip: { S: ip } },
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
  return {
    statusCode: 201,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ id, epoch, ip }),
  };
}
