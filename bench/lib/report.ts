import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./bundle.ts";

export const PERFORMANCE_DOC = join(repoRoot, "docs/performance.md");

export interface Machine {
  node: string;
  cores: number;
  cpu: string;
  date: string;
}

/** The machine a result was measured on, written next to the numbers. */
export function machine(): Machine {
  let cpu = cpus()[0]?.model ?? "unknown";
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) cpu = line.split(":")[1]?.trim() ?? cpu;
  } catch {
    // Not Linux: os.cpus() is the best we have.
  }
  return { node: process.version, cores: availableParallelism(), cpu, date: new Date().toISOString() };
}

export function machineLines(command: string, m: Machine = machine()): string[] {
  return [
    `- command: \`${command}\``,
    `- date: ${m.date}`,
    `- machine: Node ${m.node}, ${m.cores} cores (nproc), ${m.cpu}`,
  ];
}

/**
 * Replaces the block between `<!-- bench:<id>:start -->` and `<!-- bench:<id>:end -->` in
 * docs/performance.md (appending it when missing), so a rerun updates its numbers and keeps the prose.
 */
export function writeResultsBlock(id: string, lines: string[]): void {
  const start = `<!-- bench:${id}:start -->`;
  const end = `<!-- bench:${id}:end -->`;
  const block = [start, "", ...lines, "", end].join("\n");
  const doc = existsSync(PERFORMANCE_DOC) ? readFileSync(PERFORMANCE_DOC, "utf8") : "# Performance\n";
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  const next =
    from >= 0 && to > from
      ? doc.slice(0, from) + block + doc.slice(to + end.length)
      : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(PERFORMANCE_DOC, `${next.trimEnd()}\n`);
}

/** A markdown table from a header row and data rows, padded the way Biome formats Markdown tables. */
export function table(header: string[], rows: (string | number)[][]): string[] {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const width = (text: string) => [...text].length;
  const widths = header.map((_, i) => Math.max(3, ...cells.map((row) => width(row[i] ?? ""))));
  const line = (row: string[]) =>
    `| ${widths.map((w, i) => (row[i] ?? "") + " ".repeat(w - width(row[i] ?? ""))).join(" | ")} |`;
  const [head = [], ...body] = cells;
  return [line(head), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...body.map(line)];
}
