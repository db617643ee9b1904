import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The sandbox's state directory (`.meridian/` by default, git-ignored): DynamoDB files, the local app
 * secret and the development API key. `undefined` directory means in-memory: nothing is written.
 */
export class SandboxHome {
  constructor(readonly dir: string | undefined) {
    if (dir) mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  get dbPath(): string | undefined {
    if (!this.dir) return undefined;
    const path = join(this.dir, "dynamodb");
    mkdirSync(path, { recursive: true });
    return path;
  }

  /** A value generated once and kept in the state directory (or only in memory). */
  remember(name: string, make: () => string): string {
    if (!this.dir) return make();
    const file = join(this.dir, name);
    if (existsSync(file)) return readFileSync(file, "utf8").trim();
    const value = make();
    writeFileSync(file, `${value}\n`, { mode: 0o600 });
    return value;
  }

  appSecret(): string {
    return this.remember("app-secret", () => randomBytes(32).toString("base64url"));
  }

  /**
   * The access key and secret the sandbox's clients sign with at its DynamoDB Local, generated once per
   * state directory (fresh for each in-memory run). DynamoDB Local keeps one database per access key and
   * region, so a client with any other key (a stranger's `local`) opens an empty database of its own.
   * `npm run -s dynamodb:env` prints them for the AWS CLI.
   */
  dynamodbCredentials(): { accessKeyId: string; secretAccessKey: string } {
    const accessKeyId = this.remember(
      "dynamodb-access-key-id",
      () => `mrd${randomBytes(10).toString("hex")}`,
    );
    const secretAccessKey = this.remember("dynamodb-secret-access-key", () =>
      randomBytes(30).toString("base64url"),
    );
    return { accessKeyId, secretAccessKey };
  }

  /**
   * The key pair the sandbox's S3 store accepts (and its own clients sign with), generated once per state
   * directory; any other is refused with S3's 403 InvalidAccessKeyId or SignatureDoesNotMatch.
   */
  s3Credentials(): { accessKeyId: string; secretAccessKey: string } {
    const accessKeyId = this.remember(
      "s3-access-key-id",
      () => `MRDS3${randomBytes(8).toString("hex").toUpperCase()}`,
    );
    const secretAccessKey = this.remember("s3-secret-access-key", () =>
      randomBytes(30).toString("base64url"),
    );
    return { accessKeyId, secretAccessKey };
  }

  /**
   * Sandboxes before per-home keys signed with the access key `local`: their data is in
   * `local_<region>.db`. Renamed to the home's own key's file once, when that one does not exist yet.
   */
  adoptLegacyDatabase(accessKeyId: string, region = "us-east-1"): boolean {
    const dbPath = this.dbPath;
    if (!dbPath) return false;
    const legacy = join(dbPath, `local_${region}.db`);
    const own = join(dbPath, `${accessKeyId}_${region}.db`);
    if (!existsSync(legacy) || existsSync(own)) return false;
    renameSync(legacy, own);
    return true;
  }
}
