import { readRunningSandbox } from "../running.ts";
import { parseCli, runCli } from "./args.ts";

const USAGE = `Usage: eval "$(npm run -s dynamodb:env)"

Prints, as shell exports, what the AWS CLI and SDKs need to open the running sandbox's DynamoDB Local:
its endpoint (AWS_ENDPOINT_URL_DYNAMODB, which the AWS CLI v2 and the SDKs honour), this state directory's
own access key and secret, and the region. Then, in the same shell:
  aws dynamodb list-tables
  aws dynamodb scan --table-name meridian-local-epochs --max-items 5`;

/** A value safe inside single quotes in a POSIX shell. */
const quoted = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

function main(): number {
  const { values } = parseCli(
    { options: { help: { type: "boolean", short: "h" } } },
    "npm run -s dynamodb:env",
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const home = process.env.MERIDIAN_HOME ?? ".meridian";
  const running = readRunningSandbox(home);
  if (!running) {
    console.error(`No running sandbox found under ${home}/. Start it with \`npm start\` first.`);
    return 1;
  }
  const { accessKeyId, secretAccessKey } = running.dynamodbCredentials;
  process.stdout.write(
    [
      `export AWS_ENDPOINT_URL_DYNAMODB=${quoted(running.dynamodbEndpoint)}`,
      `export AWS_ACCESS_KEY_ID=${quoted(accessKeyId)}`,
      `export AWS_SECRET_ACCESS_KEY=${quoted(secretAccessKey)}`,
      "export AWS_REGION=us-east-1",
      "",
    ].join("\n"),
  );
  return 0;
}

runCli(main, USAGE);
