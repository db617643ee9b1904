/** The sandbox's API (same app, same wiring as `npm start`) on an existing DynamoDB, for bench/epoch-post.ts. */
import { openSync, writeSync } from "node:fs";
import { prettySink, startSandbox } from "@meridian/sandbox";

const [endpoint, prefix] = process.argv.slice(2);
// The per-request log line is formatted and written as usual, to /dev/null instead of a terminal, with a
// synchronous write as Node does for a terminal, a file or a pipe on Linux.
const devNull = openSync("/dev/null", "w");
const sandbox = await startSandbox({
  port: 0,
  home: null,
  dynamodbEndpoint: endpoint,
  tablePrefix: prefix,
  logSink: prettySink((line) => writeSync(devNull, `${line}\n`)),
  metricsJobPeriodSeconds: 0,
});
console.log(`LISTENING ${sandbox.url} ${sandbox.devApiKey}`);
