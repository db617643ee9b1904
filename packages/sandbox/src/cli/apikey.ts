import { createDocumentClient, DynamoApiKeyStore, tableNames } from "@meridian/adapters";
import { ApiKeyHasher, createApiKey, pepperOf, systemClock, toSummary } from "@meridian/core";
import { resolveAppSecret } from "@meridian/functions";
import { readRunningSandbox } from "../running.ts";
import { parseCli, runCli } from "./args.ts";

const USAGE = `Usage: npm run apikey -- <command> [--stage <name> [--region <r>]]

Commands:
  create --name <name>   create a key; it is printed once and only its hash is stored
  list                   list keys (id, name, created, revoked, pepper: the app secret version)
  revoke <id>            revoke a key (takes effect within the API's key cache TTL, 30 s by default)

Without --stage the running sandbox (npm start) is used. With --stage the deployed tables
meridian-<stage>-api-keys and the secret meridian/<stage>/app-secret are used, with your AWS credentials.`;

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

async function target(stage: string | undefined, region: string | undefined, home: string) {
  if (stage) {
    const secret = await resolveAppSecret({ arn: `meridian/${stage}/app-secret` }, region);
    return { db: createDocumentClient({ region }), table: tableNames(`meridian-${stage}`).apiKeys, secret };
  }
  const running = readRunningSandbox(home);
  if (!running) {
    throw new Error(
      `No running sandbox found under ${home}/. Start it with \`npm start\`, or pass --stage <name>.`,
    );
  }
  return {
    db: createDocumentClient({
      endpoint: running.dynamodbEndpoint,
      credentials: running.dynamodbCredentials,
    }),
    table: running.tables.apiKeys,
    secret: running.appSecret,
  };
}

async function main(): Promise<number> {
  const { values, positionals } = parseCli(
    {
      allowPositionals: true,
      options: {
        name: { type: "string" },
        stage: { type: "string" },
        region: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    },
    "npm run apikey",
  );
  const [command, arg] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const { db, table, secret } = await target(
    values.stage,
    values.region,
    process.env.MERIDIAN_HOME ?? ".meridian",
  );
  const apiKeys = new DynamoApiKeyStore(db, table);
  try {
    switch (command) {
      case "create": {
        if (!values.name) throw new Error("create needs --name <name>");
        const { key, summary } = await createApiKey(
          { apiKeys, hasher: new ApiKeyHasher(secret), clock: systemClock },
          { name: values.name },
        );
        if (values.json) console.log(JSON.stringify({ ...summary, key }));
        else console.log(`Created ${summary.id} (${summary.name}). Key, shown only this once:\n${key}`);
        return 0;
      }
      case "list": {
        // Older records have no pepper: they are version 1.
        const keys = (await apiKeys.list()).map((k) => ({ ...toSummary(k), pepper: pepperOf(k) }));
        if (values.json) console.log(JSON.stringify(keys));
        else if (keys.length === 0) console.log("No API keys.");
        else
          console.table(
            keys.map((k) => ({
              id: k.id,
              name: k.name,
              created: k.createdAt,
              revoked: k.revokedAt ?? "",
              pepper: k.pepper,
            })),
          );
        return 0;
      }
      case "revoke": {
        if (!arg) throw new Error("revoke needs the key id (see `npm run apikey -- list`)");
        if (!(await apiKeys.revoke(arg, new Date().toISOString())))
          throw new Error(`No API key with id ${arg}`);
        console.log(`Revoked ${arg}.`);
        return 0;
      }
      default:
        throw new Error(`Unknown command "${command}".\n\n${USAGE}`);
    }
  } finally {
    db.destroy();
  }
}

runCli(main, USAGE);
