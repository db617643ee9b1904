import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename } from "node:path";

interface Launcher {
  pid: number;
  /** /proc's start time (Linux): a pid the system gave to another process is not ours any more. */
  started?: string;
}

/** pid, parent pid, start time and argv of a process (Linux /proc, else `ps`); undefined once it is gone. */
function inspect(
  pid: number,
): { ppid: number; started?: string; argv: string[]; zombie: boolean } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: the fields after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    return { ppid: Number(fields[1]), started: fields[19], argv, zombie: fields[0] === "Z" };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT" || process.platform === "linux") return undefined;
  }
  try {
    const line = execFileSync("ps", ["-o", "ppid=,args=", "-p", String(pid)], { encoding: "utf8" }).trim();
    const [ppid, ...argv] = line.split(/\s+/);
    return { ppid: Number(ppid), argv, zombie: false };
  } catch {
    return undefined;
  }
}

/** npm sets its process title ("npm start -- …"), which becomes its whole command line, spaces and all. */
const isNpm = (argv: string[]) =>
  basename(argv[0]?.split(" ")[0] ?? "") === "npm" || argv.some((arg) => arg.endsWith("npm-cli.js"));

/**
 * The processes that launched this one for `npm start`: npm, its `sh -c`, tsx's CLI (each names the script,
 * or is npm). Signals reach only the one they are sent to: SIGTERM to npm (an editor's stop button) ends
 * npm and sh and leaves tsx and this process running. Walks up from the parent while the ancestor names
 * `script`, and stops after npm; an unrelated parent (a shell, a test runner) is not watched.
 */
export function launchers(script: string): Launcher[] {
  const found: Launcher[] = [];
  let pid = process.ppid;
  for (let depth = 0; depth < 8 && pid > 1; depth++) {
    const info = inspect(pid);
    if (!info) break;
    const npm = isNpm(info.argv);
    if (!npm && !info.argv.some((arg) => arg.includes(script))) break;
    found.push({ pid, ...(info.started ? { started: info.started } : {}) });
    if (npm) break;
    pid = info.ppid;
  }
  return found;
}

function gone(launcher: Launcher): boolean {
  if (process.platform !== "linux") {
    try {
      process.kill(launcher.pid, 0);
      return false;
    } catch {
      return true;
    }
  }
  const info = inspect(launcher.pid);
  return !info || info.zombie || info.started !== launcher.started;
}

/**
 * Calls `onGone` once any of `watched` has exited (polled every `intervalMs`, default 250 ms; the timer
 * keeps nothing alive). Returns a function that stops watching.
 */
export function whenLauncherGone(watched: Launcher[], onGone: (pid: number) => void, intervalMs = 250) {
  if (watched.length === 0) return () => {};
  const timer = setInterval(() => {
    const ended = watched.find(gone);
    if (!ended) return;
    clearInterval(timer);
    onGone(ended.pid);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
