/**
 * `npm run native:linux-arm64`: installs (without saving) the linux-arm64 binaries of the native packages the
 * Lambda assets ship (sharp's addon and libvips), at the versions sharp pins, beside the host's own, so that
 * synth can copy them into the image processor's asset. Pipelines run it after `npm ci`.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { platformPackagesOf } from "./native-packages.ts";

const require = createRequire(import.meta.url);
const sharp = JSON.parse(readFileSync(require.resolve("sharp/package.json"), "utf8"));
const specs = Object.entries(platformPackagesOf(sharp, "linux-arm64")).map(
  ([name, version]) => `${name}@${version}`,
);
// --force: npm refuses a package whose `cpu` is not the host's; --ignore-scripts: nothing of theirs runs.
const args = ["install", "--no-save", "--force", "--ignore-scripts", ...specs.sort()];
console.error(`npm ${args.join(" ")}`);
execFileSync("npm", args, { stdio: "inherit" });
