import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LocalCredentials, TableNames } from "@meridian/adapters";
import type { LocalIssuerKey } from "./issuer.ts";

/** What a running sandbox publishes so that CLIs (apikey, and later others) can reach its DynamoDB. */
export interface RunningSandbox {
  pid: number;
  url: string;
  dynamodbEndpoint: string;
  /** What to sign with at `dynamodbEndpoint` (the home's own key; `local` for an external DynamoDB). */
  dynamodbCredentials: LocalCredentials;
  tables: TableNames;
  /** The sandbox's app secret (peppers key hashes); the file is private and removed at stop. */
  appSecret: string;
  /** The local token issuer's signing key, for `npm run token`. */
  issuerKey: LocalIssuerKey;
}

const FILE = "sandbox.json";

export function writeRunningSandbox(home: string, info: RunningSandbox): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, FILE), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

export function clearRunningSandbox(home: string): void {
  rmSync(join(home, FILE), { force: true });
}

/** The sandbox recorded under `home`, if its process is still alive. */
export function readRunningSandbox(home: string): RunningSandbox | undefined {
  let info: RunningSandbox;
  try {
    info = JSON.parse(readFileSync(join(home, FILE), "utf8")) as RunningSandbox;
  } catch {
    return undefined;
  }
  try {
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined;
  }
}
