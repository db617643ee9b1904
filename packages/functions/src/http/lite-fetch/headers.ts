/**
 * A WHATWG `Headers` that does not load undici.
 *
 * Why: Node's `Headers`, `Request` and `Response` live in its bundled undici, and the first touch of any of
 * them loads it, inside a Lambda cold start whose whole budget is a few tens of milliseconds (decision 0007). Hono and `hono/aws-lambda` only need the plain parts, which are small.
 *
 * Supported, as the spec says: names are case-insensitive and stored lower-cased; `append` joins with
 * ", " except `set-cookie`, whose values stay separate (`getSetCookie()`); iteration is in byte order of
 * names with each cookie its own entry, and sees changes made while iterating; values are trimmed of
 * HTTP whitespace; invalid names and values throw a TypeError. Nothing here falls back: every `Headers`
 * operation is supported. `instanceof` also accepts the runtime's own `Headers` (e.g. on a `fetch`
 * response), checked only for objects that call themselves "Headers", so undici is not loaded to say no.
 */

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const EDGE_WHITESPACE = /^[\t\n\r ]|[\t\n\r ]$/;
const EDGE_WHITESPACES = /^[\t\n\r ]+|[\t\n\r ]+$/g;
const INVALID_VALUE = /[\0\n\r]|[^\0-\xFF]/;

/** Whether `value` is an HTTP token, as header names and methods must be. */
export function isToken(value: string): boolean {
  return TOKEN.test(value);
}

function headerName(name: string): string {
  const text = `${name}`;
  if (!TOKEN.test(text)) throw new TypeError(`Headers: "${text}" is an invalid header name.`);
  return text.toLowerCase();
}

function headerValue(value: string): string {
  let text = `${value}`;
  if (EDGE_WHITESPACE.test(text)) text = text.replace(EDGE_WHITESPACES, "");
  if (INVALID_VALUE.test(text)) throw new TypeError(`Headers: "${text}" is an invalid header value.`);
  return text;
}

type HeadersInit = ConstructorParameters<typeof Headers>[0];

function isObject(value: unknown): value is object {
  return (typeof value === "object" && value !== null) || typeof value === "function";
}

/**
 * Lightweight `Headers`; what the global name means once `installLiteFetch()` ran (a script-scope binding, not a `globalThis` property).
 *
 * @example
 * const headers = new LiteHeaders({ "Content-Type": "application/json" });
 * headers.append("Set-Cookie", "a=1");
 * headers.append("Set-Cookie", "b=2");
 * [...headers]; // [["content-type", "application/json"], ["set-cookie", "a=1"], ["set-cookie", "b=2"]]
 */
export class LiteHeaders implements Headers {
  #fields = new Map<string, string>();
  #cookies: string[] = [];
  /** Sorted name/value pairs, rebuilt after a change; never mutated, so copies may share it. */
  #sorted: [string, string][] | undefined;

  constructor(init?: HeadersInit) {
    if (init === undefined) return;
    if (!isObject(init)) {
      throw new TypeError("Headers: init must be a record, a sequence of pairs or Headers.");
    }
    if (#fields in init) {
      this.#fields = new Map(init.#fields);
      this.#cookies = [...init.#cookies];
      this.#sorted = init.#sorted;
    } else if ((init as Partial<Iterable<unknown>>)[Symbol.iterator] != null) {
      for (const pair of init as Iterable<Iterable<string>>) {
        const entry = [...pair];
        if (entry.length !== 2) {
          throw new TypeError(`Headers: a pair must have 2 items, found ${entry.length}.`);
        }
        const [name, value] = entry as [string, string];
        this.append(name, value);
      }
    } else {
      const record = init as Record<string, string>;
      for (const name of Object.keys(record)) this.append(name, record[name] as string);
      if (
        Object.getOwnPropertySymbols(record).some((key) =>
          Object.prototype.propertyIsEnumerable.call(record, key),
        )
      ) {
        throw new TypeError("Headers: a header name cannot be a symbol.");
      }
    }
  }

  append(name: string, value: string): void {
    const key = headerName(name);
    const text = headerValue(value);
    this.#sorted = undefined;
    if (key === "set-cookie") {
      this.#cookies.push(text);
    } else {
      const previous = this.#fields.get(key);
      this.#fields.set(key, previous === undefined ? text : `${previous}, ${text}`);
    }
  }

  set(name: string, value: string): void {
    const key = headerName(name);
    const text = headerValue(value);
    this.#sorted = undefined;
    if (key === "set-cookie") this.#cookies = [text];
    else this.#fields.set(key, text);
  }

  delete(name: string): void {
    const key = headerName(name);
    this.#sorted = undefined;
    if (key === "set-cookie") this.#cookies = [];
    else this.#fields.delete(key);
  }

  get(name: string): string | null {
    const key = headerName(name);
    if (key !== "set-cookie") return this.#fields.get(key) ?? null;
    return this.#cookies.length > 0 ? this.#cookies.join(", ") : null;
  }

  has(name: string): boolean {
    const key = headerName(name);
    return key === "set-cookie" ? this.#cookies.length > 0 : this.#fields.has(key);
  }

  getSetCookie(): string[] {
    return [...this.#cookies];
  }

  forEach(callback: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void {
    if (typeof callback !== "function") throw new TypeError("Headers.forEach: callback is not a function.");
    for (const [name, value] of this.#live()) callback.call(thisArg, value, name, this);
  }

  *entries(): Generator<[string, string], undefined, unknown> {
    for (const [name, value] of this.#live()) yield [name, value];
  }

  *keys(): Generator<string, undefined, unknown> {
    for (const [name] of this.#live()) yield name;
  }

  *values(): Generator<string, undefined, unknown> {
    for (const [, value] of this.#live()) yield value;
  }

  [Symbol.iterator](): Generator<[string, string], undefined, unknown> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return "Headers";
  }

  /** A lite instance, or the runtime's own `Headers` (loaded only for an object tagged "Headers"). */
  static [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: a subclass inherits this method; it must answer for itself.
    if (this !== LiteHeaders) return Function.prototype[Symbol.hasInstance].call(this, value);
    if (!isObject(value)) return false;
    if (#fields in value) return true;
    return isOriginal(value, "Headers", () => globalThis.Headers, LiteHeaders);
  }

  /** Pairs by index from the current sorted list, so changes made while iterating are seen, as in undici. */
  *#live(): Generator<[string, string], undefined, unknown> {
    for (let index = 0; ; index++) {
      const entry = this.#list()[index];
      if (entry === undefined) return;
      yield entry;
    }
  }

  #list(): [string, string][] {
    if (this.#sorted) return this.#sorted;
    const list: [string, string][] = [...this.#fields];
    for (const cookie of this.#cookies) list.push(["set-cookie", cookie]);
    // A stable sort keeps the cookies in the order they were added.
    list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.#sorted = list;
    return list;
  }
}

/**
 * Whether `value` is an instance of the runtime's own class `original` (undici's). Only asked for objects
 * tagged `tag`, since reading the global loads undici; and never of the lite class itself, which would
 * recurse if someone made it the global object's property.
 */
export function isOriginal(value: object, tag: string, original: () => unknown, lite: unknown): boolean {
  if ((value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] !== tag) return false;
  const type = original();
  return typeof type === "function" && type !== lite && value instanceof type;
}
