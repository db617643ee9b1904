import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";

const API_ID = "a1b2c3d4e5";
const SOURCE_IP = "203.0.113.10";
const USER_AGENT = "meridian-bench/1.0";

function clf(date: Date): string {
  const [, day, month, year, time] = date.toUTCString().split(" ");
  return `${day}/${month}/${year}:${time} +0000`;
}

/**
 * What API Gateway's HTTP API (payload format 2.0) hands Lambda for `POST /epoch` with a JSON body and
 * an API key, field for field as a real request produces it.
 */
export function postEpochEvent(apiKey: string): APIGatewayProxyEventV2 {
  const now = new Date();
  const body = JSON.stringify({ label: "bench" });
  const host = `${API_ID}.execute-api.us-east-1.amazonaws.com`;
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/epoch",
    rawQueryString: "",
    headers: {
      accept: "application/json",
      "content-length": String(Buffer.byteLength(body)),
      "content-type": "application/json",
      host,
      "user-agent": USER_AGENT,
      "x-amzn-trace-id": `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomUUID().replaceAll("-", "").slice(0, 24)}`,
      "x-api-key": apiKey,
      "x-forwarded-for": SOURCE_IP,
      "x-forwarded-port": "443",
      "x-forwarded-proto": "https",
    },
    requestContext: {
      accountId: "123456789012",
      apiId: API_ID,
      domainName: host,
      domainPrefix: API_ID,
      http: {
        method: "POST",
        path: "/epoch",
        protocol: "HTTP/1.1",
        sourceIp: SOURCE_IP,
        userAgent: USER_AGENT,
      },
      requestId: randomUUID().slice(0, 18),
      routeKey: "$default",
      stage: "$default",
      time: clf(now),
      timeEpoch: now.getTime(),
    },
    body,
    isBase64Encoded: false,
  };
}

/** The invocation context Lambda passes next to the event. */
export function lambdaContext(functionName: string): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "2026/01/01/[$LATEST]bench",
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
