/**
 * `npm run native:linux-arm64`: installs (without saving) the linux-arm64 binaries of the native packages the
 * Lambda assets ship (sharp's addon and libvips), at the versions sharp pins, beside the host's own, so that
 * synth can copy them into the image processor's asset. Pipelines run it after `npm ci`.
 */
import { execFileSync } from "node:child_process";
import { packageDir, platformPackagesOf, readPackage } from "./native-packages.ts";

// sharp exports no `./package.json`: found as the bundling finds it, by folder.
const dir = packageDir("sharp", import.meta.filename);
if (!dir) throw new Error("sharp is not installed: run npm ci first");
const sharp = readPackage(dir);
const specs = Object.entries(platformPackagesOf(sharp, "linux-arm64")).map(
  ([name, version]) => `${name}@${version}`,
);
// --force: npm refuses a package whose `cpu` is not the host's; --ignore-scripts: nothing of theirs runs.
const args = ["install", "--no-save", "--force", "--ignore-scripts", ...specs.sort()];
console.error(`npm ${args.join(" ")}`);
execFileSync("npm", args, { stdio: "inherit" });
