import { ISSUER_PATH, signLocalToken } from "../issuer.ts";
import { readRunningSandbox } from "../running.ts";
import { parseCli, runCli, UsageError } from "./args.ts";

const USAGE = `Usage: npm run -s token [-- [--role admin|customer] [--sub <id>] [--ttl <seconds>]]

Prints a bearer token (only the token, on stdout) from the running sandbox's local issuer: a customer's
(sub dev-customer) unless --role says otherwise; an admin's is in the group admin.
  curl -H "authorization: Bearer $(npm run -s token -- --role customer --sub alice)" http://127.0.0.1:3000/orders
With --stage <name> --email <address>: signs in to a deployed stage's user pool instead (--stage <name> --help).`;

function main(): Promise<number> | number {
  // A deployed stage's user pool: the infra package's command, loaded only then (it brings the AWS clients).
  const argv = process.argv.slice(2);
  if (process.env.npm_config_stage !== undefined)
    throw new UsageError(
      "npm took --stage for one of its own options: write `npm run -s token -- ... --stage <name>`",
    );
  if (argv.some((arg) => arg === "--stage" || arg.startsWith("--stage="))) {
    return import("@meridian/infra/stage-cli").then(({ tokenStageCli }) => tokenStageCli(argv));
  }
  const { values } = parseCli(
    {
      options: {
        // A customer is what most calls need (orders, epochs): `npm run -s token` alone gives one.
        role: { type: "string", default: "customer" },
        sub: { type: "string" },
        ttl: { type: "string", default: "3600" },
        help: { type: "boolean", short: "h" },
      },
    },
    "npm run -s token",
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.role !== "admin" && values.role !== "customer") {
    console.error(`--role must be admin or customer.\n\n${USAGE}`);
    return 2;
  }
  const ttlSeconds = Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 86_400) {
    console.error("--ttl must be a whole number of seconds between 1 and 86400");
    return 2;
  }
  const home = process.env.MERIDIAN_HOME ?? ".meridian";
  const running = readRunningSandbox(home);
  if (!running) {
    console.error(`No running sandbox found under ${home}/. Start it with \`npm start\` first.`);
    return 1;
  }
  const role = values.role;
  return signLocalToken(running.issuerKey, {
    issuer: `${running.url}${ISSUER_PATH}`,
    role,
    sub: values.sub ?? `dev-${role}`,
    ttlSeconds,
  }).then((token) => {
    process.stdout.write(`${token}\n`);
    return 0;
  });
}

runCli(main, USAGE);
