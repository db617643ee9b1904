import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
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
}
