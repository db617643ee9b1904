/**
 * The baseline for bench/epoch-post.ts: a bare node:http server that writes each POST with one PutItem
 * through the AWS SDK and answers 201 — no framework, no auth, no validation. The item and its condition
 * (never overwrite an id) are the ones the sandbox writes, so the two differ only in what runs around the
 * write.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";

const [endpoint, table, option] = process.argv.slice(2);
const db = new DynamoDBClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
  // `--cache-middleware`: the SDK option the sandbox's hot-path client sets; a reference, not the baseline.
  cacheMiddleware: option === "--cache-middleware",
});

const server = createServer((req, res) => {
  req.resume();
  req.on("end", async () => {
    const id = randomUUID();
    const epoch = Date.now() / 1000;
    const ip = req.socket.remoteAddress ?? "unknown";
    try {
      await db.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            pk: { S: `EPOCH#${id.at(-1)}` },
            sk: { S: id },
            epoch: { N: String(epoch) },
            ip: { S: ip },
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ id, epoch, ip }));
    } catch {
      res.writeHead(503).end();
    }
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (typeof address === "object" && address) console.log(`LISTENING http://127.0.0.1:${address.port}`);
});
