/**
 * Stack traces that name the TypeScript sources, for the bundled functions, without Node's
 * `--enable-source-maps`: that flag reads and decodes the source map of every file as the file loads, which
 * cost the HTTP function 9 to 17 ms of each cold start (decision 0009). Here a map is read only when a stack that
 * passes through its file is formatted (an error being logged, the runtime reporting a crash), once per
 * file and process.
 */
import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { fileURLToPath } from "node:url";

const maps = new Map<string, SourceMap | undefined>();

/** The map next to a bundle file (`index.mjs.map` for `index.mjs`); undefined for anything else. */
function sourceMapOf(fileName: string): SourceMap | undefined {
  if (!maps.has(fileName)) {
    let map: SourceMap | undefined;
    if (fileName.startsWith("file:")) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(fileName)}.map`, "utf8")));
      } catch {
        // No map beside it (not a bundle file), or an unreadable one: the frame stays as V8 wrote it.
      }
    }
    maps.set(fileName, map);
  }
  return maps.get(fileName);
}

/** The source name of the frame's function: at the function's start, else at the call in its caller. */
function originalName(map: SourceMap, frame: NodeJS.CallSite, caller?: NodeJS.CallSite): string | undefined {
  const startLine = frame.getEnclosingLineNumber();
  const startColumn = frame.getEnclosingColumnNumber();
  if (startLine !== null && startColumn !== null) {
    const { name } = map.findEntry(startLine - 1, startColumn - 1) as { name?: string };
    if (name) return name;
  }
  const callerLine = caller?.getLineNumber();
  const callerColumn = caller?.getColumnNumber();
  if (caller?.getFileName() !== frame.getFileName() || !callerLine || !callerColumn) return undefined;
  return (map.findEntry(callerLine - 1, callerColumn - 1) as { name?: string }).name;
}

/**
 * One frame as V8 writes it (`at Ro (file:///var/task/index.mjs:1:2345)`) with its position and the
 * minified name of its function mapped to the source (`at recordEpoch (/…/use-cases.ts:31:7)`), as Node's
 * `--enable-source-maps` writes it. `caller` is the next frame down the stack.
 */
export function mapFrame(frame: NodeJS.CallSite, caller?: NodeJS.CallSite): string {
  const text = String(frame);
  const fileName = frame.getFileName();
  const line = frame.getLineNumber();
  const column = frame.getColumnNumber();
  const map = fileName ? sourceMapOf(fileName) : undefined;
  if (!fileName || !map || line === null || column === null) return text;
  const origin = map.findOrigin(line, column);
  if (!("fileName" in origin)) return text;
  const where = `${sourcePath(origin.fileName, fileName)}:${origin.lineNumber}:${origin.columnNumber}`;
  // Replacer functions: a `$` in a name or path is not a replacement pattern.
  const mapped = text.replace(`${fileName}:${line}:${column}`, () => where);
  const minified = frame.getFunctionName();
  const name = minified ? originalName(map, frame, caller) : undefined;
  return name && minified ? mapped.replace(`${minified} (`, () => `${name} (`) : mapped;
}

/** A map's source as a path when it is a file beside the bundle; any other source (`webpack://…`) as written. */
function sourcePath(source: string, bundleFile: string): string {
  const url = URL.parse(source, bundleFile);
  return url?.protocol === "file:" ? fileURLToPath(url) : source;
}

/**
 * Formats every stack trace of the process with the bundle's source maps, through V8's
 * `Error.prepareStackTrace` hook (which Node's own source-map support uses too). The hook in place before
 * (Node's default formatter, or a test runner's) still formats the stack: it is handed the frames, each
 * bundle frame's text mapped. Formatting never throws: a frame that cannot be mapped stays as V8 wrote it.
 * The first statement of each function's handler.
 */
export function installSourceMappedStacks(): void {
  const previous = (Error as { prepareStackTrace?: typeof Error.prepareStackTrace }).prepareStackTrace;
  Error.prepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => {
    const mapped = frames.map((frame, i) => withText(frame, safely(frame, frames[i + 1])));
    return previous ? previous(error, mapped) : defaultFormat(error, mapped);
  };
}

function safely(frame: NodeJS.CallSite, caller?: NodeJS.CallSite): string {
  try {
    return mapFrame(frame, caller);
  } catch {
    return String(frame);
  }
}

/** The frame itself, or one that writes itself as `text` and answers everything else as the frame. */
function withText(frame: NodeJS.CallSite, text: string): NodeJS.CallSite {
  if (text === String(frame)) return frame;
  return new Proxy(frame, {
    get(target, key) {
      if (key === "toString") return () => text;
      const value: unknown = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** What V8 writes when no hook is installed: `Name: message`, then one `at` line per frame. */
function defaultFormat(error: unknown, frames: NodeJS.CallSite[]): string {
  let header: string;
  try {
    header = Error.prototype.toString.call(error);
  } catch {
    header = "Error";
  }
  return header + frames.map((frame) => `\n    at ${frame}`).join("");
}
