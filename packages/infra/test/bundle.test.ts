import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { synthStage } from "./helpers.ts";

/**
 * Imports the bundle in a fresh Node process, as Lambda would, and sends it one API Gateway v2 event. The asset
 * lives in a temporary directory, so an import the bundle failed to include would not resolve.
 */
const INVOKE = `
const { handler } = await import(process.argv[1]);
const event = {
  version: "2.0", routeKey: "$default", rawPath: "/openapi.json", rawQueryString: "",
  headers: { accept: "application/json", host: "example.execute-api.eu-west-1.amazonaws.com" },
  requestContext: {
    requestId: "req-1", domainName: "example.execute-api.eu-west-1.amazonaws.com", stage: "$default",
    http: { method: "GET", path: "/openapi.json", protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "test" },
  },
  isBase64Encoded: false,
};
const response = await handler(event, { awsRequestId: "lambda-1" });
process.stdout.write("RESULT " + JSON.stringify({ statusCode: response.statusCode, body: response.body.slice(0, 200) }));
`;

describe("the bundled HTTP handler", () => {
  it("is one minified ESM file with a source map, the AWS SDK inside, and it starts and answers", () => {
    // Arrange: bundle for real (the only test that does).
    const { app, stateless } = synthStage({}, { checks: false, bundle: true });
    const functions = Template.fromStack(stateless).findResources("AWS::Lambda::Function", {
      Properties: { Description: Match.stringLikeRegexp("HTTP API") },
    });
    const s3Key = (Object.values(functions)[0] as { Properties: { Code: { S3Key: string } } }).Properties.Code
      .S3Key;
    const dir = join(app.outdir, `asset.${s3Key.replace(/\.zip$/, "")}`);

    // Act
    const source = readFileSync(join(dir, "index.mjs"), "utf8");
    const output = execFileSync(
      process.execPath,
      ["--input-type=module", "-e", INVOKE, join(dir, "index.mjs")],
      {
        env: {
          PATH: process.env.PATH,
          TABLE_EPOCHS: "meridian-test-epochs",
          TABLE_API_KEYS: "meridian-test-api-keys",
          TABLE_CATALOG: "meridian-test-catalog",
          TABLE_ORDERS: "meridian-test-orders",
          JWT_ISSUER: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example",
          JWT_AUDIENCE: "client",
          APP_SECRET: "x".repeat(32),
          AWS_REGION: "eu-west-1",
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        },
        // Outside the repository: no node_modules to fall back on, so every import must be in the bundle.
        cwd: dir,
        encoding: "utf8",
        timeout: 20_000,
      },
    );

    // Assess
    expect(source.startsWith("import { createRequire as __meridianCreateRequire }")).toBe(true);
    expect(source).toContain("//# sourceMappingURL=index.mjs.map");
    expect(source).toContain("GetSecretValue"); // the AWS SDK is inside
    expect(source.length).toBeLessThan(3_000_000);
    expect(readFileSync(join(dir, "index.mjs.map"), "utf8")).toContain('"mappings"');
    // The app writes its access log line to stdout too; the result comes after it.
    const response = JSON.parse(output.slice(output.lastIndexOf("RESULT ") + "RESULT ".length)) as {
      statusCode: number;
      body: string;
    };
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('"openapi":"3.1.0"');
  });
});
