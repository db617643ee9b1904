/**
 * A second floor for the cold-start comparison, not the target's reference (that is minimal-handler.ts):
 * the minimal handler plus the API-key check that every `POST /epoch` must make before it writes — one
 * GetItem of the key's record by the id derived from its HMAC, the HMAC compared in constant time — with
 * the minimal handler's bare SDK client and `node:crypto`, then the minimal handler's write; nothing else
 * (no framework, no schema, no key cache, no logging). Against minimal, it shows what the authentication
 * read alone costs a cold start.
 * Bundled with the same options as the real functions.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { client, handler as write } from "./minimal-handler.ts";

const keyTable = process.env.TABLE_API_KEYS;
const pepper = process.env.APP_SECRET ?? "";

const unauthorized: APIGatewayProxyStructuredResultV2 = { statusCode: 401, body: "" };

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const key = event.headers["x-api-key"];
  if (!key) return unauthorized;
  // As ApiKeyHasher does: the record's id is `key_` + the first 20 hex digits of the key's HMAC.
  const hash = createHmac("sha256", pepper).update(key).digest("hex");
  const { Item } = await client.send(
    new GetItemCommand({ TableName: keyTable, Key: { id: { S: `key_${hash.slice(0, 20)}` } } }),
  );
  const stored = Buffer.from(Item?.hash?.S ?? "", "hex");
  const given = Buffer.from(hash, "hex");
  if (Item?.revokedAt || stored.length !== given.length || !timingSafeEqual(stored, given)) {
    return unauthorized;
  }
  return write(event);
}
