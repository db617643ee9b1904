/**
 * Packages with native addons, which esbuild cannot inline: they stay external to the bundle and are copied,
 * with the prebuilt binaries of the function's platform, into a `node_modules` beside `index.mjs`
 * (decision 0018). The copy comes from the repository's own `node_modules`, so synthesis stays offline and
 * takes no install step; a missing platform package fails the synth with the command that installs it.
 */
import { cpSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** `<os>-<cpu>` of npm's prebuilt packages (`@img/sharp-linux-arm64`); Lambda's runtimes are glibc Linux. */
export type NativePlatform = "linux-arm64" | "linux-x64";
export const NATIVE_PLATFORMS: readonly NativePlatform[] = ["linux-arm64", "linux-x64"];

export interface NativePackages {
  /** The packages left external and shipped beside the bundle (their `dependencies` come with them). */
  packages: readonly string[];
  /** Whose binaries are shipped: the function's architecture, `linux-arm64` for every deployed function. */
  platform: NativePlatform;
  /** Where the packages are resolved from (a file or folder inside the repository). Default: this package. */
  resolveFrom?: string;
}

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/**
 * The optional dependencies of `pkg` that hold a platform's binaries: npm installs only the host's, so the
 * function's platform has to be named. sharp's are `@img/sharp-<platform>` (the addon) and
 * `@img/sharp-libvips-<platform>` (libvips), pinned to exact versions by sharp's package.json.
 */
export function platformPackagesOf(pkg: PackageJson, platform: NativePlatform): Record<string, string> {
  return Object.fromEntries(
    Object.entries(pkg.optionalDependencies ?? {}).filter(([name]) => name.endsWith(`-${platform}`)),
  );
}

/** The command that puts the missing packages into the repository's `node_modules` next to the host's own. */
export function installCommand(missing: Record<string, string>): string {
  const specs = Object.entries(missing)
    .map(([name, version]) => `${name}@${version}`)
    .sort();
  // --force: npm refuses a package whose `cpu` is not the host's even when told --cpu; --no-save keeps
  // package.json and the lock as they are, and the host's binaries (tests, the sandbox) stay installed.
  return `npm install --no-save --force ${specs.join(" ")}`;
}

/**
 * Copies `native.packages`, their dependencies and their binaries for `native.platform` into
 * `<outdir>/node_modules`. Throws, naming the install command, when a platform package is not installed or
 * is not the version the package pins.
 *
 * @example
 * shipNativePackages("/tmp/asset", { packages: ["sharp"], platform: "linux-arm64" });
 */
export function shipNativePackages(outdir: string, native: NativePackages): string[] {
  const from = native.resolveFrom ?? import.meta.filename;
  const shipped = new Map<string, string>();
  const missing: Record<string, string> = {};

  const visit = (name: string, requireFrom: string, platformOf?: PackageJson) => {
    if (shipped.has(name)) return;
    const dir = packageDir(name, requireFrom);
    const pkg = dir ? readPackage(dir) : undefined;
    const wanted = platformOf && platformPackagesOf(platformOf, native.platform)[name];
    if (!dir || !pkg || (wanted !== undefined && pkg.version !== wanted)) {
      if (!platformOf)
        throw new Error(`shipNativePackages: ${name} is not installed (resolved from ${from})`);
      missing[name] = wanted ?? "*";
      return;
    }
    shipped.set(name, dir);
    for (const dependency of Object.keys(pkg.dependencies ?? {}))
      visit(dependency, join(dir, "package.json"));
    for (const binary of Object.keys(platformPackagesOf(pkg, native.platform)))
      visit(binary, join(dir, "package.json"), pkg);
  };
  for (const name of native.packages) visit(name, from);

  if (Object.keys(missing).length > 0) {
    throw new Error(
      `The image processor's bundle ships ${native.packages.join(", ")} for Lambda's ${native.platform}, ` +
        `but ${Object.entries(missing)
          .map(([name, version]) => `${name}@${version}`)
          .join(
            " and ",
          )} ${Object.keys(missing).length === 1 ? "is" : "are"} not installed (npm installs only ` +
        `this machine's binaries). Install ${Object.keys(missing).length === 1 ? "it" : "them"} beside this ` +
        `machine's, at the repository root, once: ${installCommand(missing)} ` +
        `(or, on a machine that only builds, install the function's platform alone: npm ci --os=linux ` +
        `--cpu=${native.platform.split("-")[1]} --include=optional). ` +
        'See docs/deploy.md, "Native packages".',
    );
  }
  for (const [name, dir] of shipped) {
    const target = join(outdir, "node_modules", ...name.split("/"));
    mkdirSync(dirname(target), { recursive: true });
    // dereference: Lambda's zip takes no symbolic links; `.bin` is never copied (it is not a package).
    cpSync(dir, target, { recursive: true, dereference: true });
  }
  return [...shipped.keys()].sort();
}

/** The folder of package `name` as Node resolves it from `from`, or undefined when it is not installed. */
export function packageDir(name: string, from: string): string | undefined {
  const require = createRequire(from);
  for (const base of require.resolve.paths(name) ?? []) {
    const dir = join(base, ...name.split("/"));
    if (existsSync(join(dir, "package.json"))) return dir;
  }
  return undefined;
}

export function readPackage(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
}
