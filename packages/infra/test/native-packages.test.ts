import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { nativePackagesRoot } from "../src/bundling/lambda-bundle.ts";
import { installCommand, shipNativePackages } from "../src/bundling/native-packages.ts";
import { FUNCTION_NATIVE_PLATFORM } from "../src/constructs/meridian-function.ts";

/** The folder of package `name` as Node finds it from `from` (sharp's `exports` hide its package.json). */
function installedDir(name: string, from: string): string {
  const dir = (createRequire(from).resolve.paths(name) ?? [])
    .map((base) => join(base, name))
    .find((candidate) => existsSync(join(candidate, "package.json")));
  if (!dir) throw new Error(`${name} is not installed`);
  return dir;
}

/** The sharp the image processor is built with (its package.json pins the platform packages' versions). */
const sharpDir = installedDir("sharp", nativePackagesRoot());
const sharpPackage = JSON.parse(readFileSync(join(sharpDir, "package.json"), "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
};
const ARM64 = {
  addon: "@img/sharp-linux-arm64",
  libvips: "@img/sharp-libvips-linux-arm64",
};

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/**
 * A repository stand-in: the real sharp and its dependencies in `node_modules`, plus whatever arm64 packages
 * `arm64` lists (a package.json and a marker file each), as `npm install` would leave them.
 */
function repository(arm64: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "meridian-native-"));
  roots.push(root);
  const install = (name: string, from: string) =>
    cpSync(from, join(root, "node_modules", name), { recursive: true });
  install("sharp", sharpDir);
  for (const name of Object.keys(sharpPackage.dependencies)) {
    install(name, installedDir(name, join(sharpDir, "package.json")));
  }
  for (const [name, version] of Object.entries(arm64)) {
    const dir = join(root, "node_modules", name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name, version, cpu: ["arm64"], os: ["linux"] }),
    );
    writeFileSync(join(dir, "binary.node"), "stand-in");
  }
  writeFileSync(join(root, "package.json"), "{}");
  return root;
}

describe("the image processor's native packages for Lambda (linux-arm64)", () => {
  it("are sharp, its dependencies and the arm64 addon and libvips at the versions sharp pins, copied beside the bundle", () => {
    // Arrange
    const pinned = {
      [ARM64.addon]: sharpPackage.optionalDependencies[ARM64.addon] as string,
      [ARM64.libvips]: sharpPackage.optionalDependencies[ARM64.libvips] as string,
    };
    const root = repository(pinned);
    const out = join(root, "asset");

    // Act
    const shipped = shipNativePackages(out, {
      packages: ["sharp"],
      platform: FUNCTION_NATIVE_PLATFORM,
      resolveFrom: join(root, "package.json"),
    });

    // Assess
    expect(FUNCTION_NATIVE_PLATFORM).toBe("linux-arm64");
    expect(shipped).toEqual(
      ["sharp", ...Object.keys(sharpPackage.dependencies), ARM64.addon, ARM64.libvips].sort(),
    );
    expect(existsSync(join(out, "node_modules", ARM64.libvips, "binary.node"))).toBe(true);
    expect(existsSync(join(out, "node_modules/sharp/package.json"))).toBe(true);
    // The host's binaries (installed in the real repository) are not this platform's: never shipped.
    expect(existsSync(join(out, "node_modules/@img", `sharp-${process.platform}-${process.arch}`))).toBe(
      process.arch === "arm64",
    );
  });

  it("fail the synth when a platform package is missing or another version, naming the command that installs them", () => {
    // Arrange: the addon at a version sharp does not pin, libvips not installed at all.
    const root = repository({ [ARM64.addon]: "0.0.1" });

    // Act
    const ship = () =>
      shipNativePackages(join(root, "asset"), {
        packages: ["sharp"],
        platform: "linux-arm64",
        resolveFrom: join(root, "package.json"),
      });

    // Assess
    const missing = {
      [ARM64.addon]: sharpPackage.optionalDependencies[ARM64.addon] as string,
      [ARM64.libvips]: sharpPackage.optionalDependencies[ARM64.libvips] as string,
    };
    expect(installCommand(missing)).toBe(
      `npm install --no-save --force ${ARM64.libvips}@${missing[ARM64.libvips]} ${ARM64.addon}@${sharpPackage.version}`,
    );
    expect(ship).toThrow(installCommand(missing));
    expect(ship).toThrow(/npm ci --os=linux --cpu=arm64 --include=optional/);
    expect(existsSync(join(root, "asset", "node_modules"))).toBe(false);
  });
});
