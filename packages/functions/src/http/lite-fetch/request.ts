import { isOriginal, isToken, LiteHeaders } from "./headers.ts";
import { extractBody, LiteBody, type ReleasedBody } from "./response.ts";

/**
 * A WHATWG `Request` that does not load undici.
 *
 * Why: the first `new Request()` in a process loads Node's bundled undici (its cost: decision 0007), and
 * `hono/aws-lambda` builds one per Lambda event from a URL, a method, headers and at most a
 * string of bytes.
 *
 * Supported, as the spec says: a string or `URL` input (parsed and serialised; relative URLs and URLs
 * with credentials throw a TypeError) and an init of `method`, `headers` and a string, `ArrayBuffer` or
 * `ArrayBufferView` `body`; `method` is checked and the six standard ones upper-cased; a body on GET or
 * HEAD throws. `url`, `method`, `headers`, `bodyUsed`, `body`, `text()`, `json()`, `arrayBuffer()`,
 * `bytes()` (read once), `clone()`, and the spec's defaults for what such an init cannot set (`mode`
 * "cors", `credentials` "same-origin", `signal` never aborted...).
 *
 * Falls back to the runtime's own `Request` (undici, loaded then), whose instance the constructor
 * returns: a `Request` (or anything but a string or `URL`) as input; an init with any other member
 * (`signal`, `duplex`, `mode`, `keepalive`...) or that is not a plain object; any other body (a stream,
 * `Blob`, `FormData`, `URLSearchParams`...). `blob()` and `formData()` build an undici instance from the
 * bytes and current headers.
 */

const SUPPORTED_INIT = new Set(["method", "headers", "body"]);
const NORMALISED_METHODS = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

/** An init the lite class fully understands: absent, or a plain object of method, headers and body only. */
function isLiteInit(init: unknown): init is RequestInit | null | undefined {
  if (init === undefined || init === null) return true;
  if (typeof init !== "object") return false;
  const prototype = Object.getPrototypeOf(init);
  if (prototype !== Object.prototype && prototype !== null) return false;
  const members = init as Record<string, unknown>;
  return Object.keys(members).every((key) => SUPPORTED_INIT.has(key) || members[key] === undefined);
}

function parseUrl(input: string | URL): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch (cause) {
    throw new TypeError(`Request: failed to parse URL from ${input}`, { cause });
  }
  if (url.username || url.password) {
    throw new TypeError(`Request cannot be constructed from a URL that includes credentials: ${input}`);
  }
  return url.href;
}

function normaliseMethod(method: string): string {
  const text = `${method}`;
  if (!isToken(text)) throw new TypeError(`Request: '${text}' is not a valid HTTP method.`);
  const upper = text.toUpperCase();
  if (FORBIDDEN_METHODS.has(upper)) throw new TypeError(`Request: '${text}' HTTP method is unsupported.`);
  return NORMALISED_METHODS.has(upper) ? upper : text;
}

/**
 * Lightweight `Request`; what the global name means once `installLiteFetch()` ran (a script-scope binding, not a `globalThis` property).
 *
 * @example
 * const req = new LiteRequest("https://api.example.com/epochs", { method: "post", body: '{"a":1}' });
 * req.method; // "POST"
 * await req.json(); // { a: 1 }
 */
export class LiteRequest extends LiteBody implements Request {
  // Assigned unless the constructor returns a runtime instance instead.
  #url!: string;
  #headers!: LiteHeaders;
  #method = "GET";
  #signal: AbortSignal | undefined;

  constructor(input: string | URL | Request, init?: RequestInit) {
    super();
    const extracted = isLiteInit(init) ? extractBody(init?.body, { adoptStreams: false }) : undefined;
    if (extracted === undefined || !(typeof input === "string" || input instanceof URL)) {
      // undici reads a Request input through its internals, which a lite one lacks, so it gets an undici copy.
      const from =
        typeof input === "object" && input !== null && #url in input ? input.#forward(init) : input;
      // `new` yields the runtime's own instance, which is still `instanceof` this class.
      // biome-ignore lint/correctness/noConstructorReturn: the fallback for what the lite class does not support.
      return new globalThis.Request(from, init) as unknown as LiteRequest;
    }
    this.#url = parseUrl(input);
    if (init?.method !== undefined) this.#method = normaliseMethod(init.method);
    this.#headers = new LiteHeaders(init?.headers);
    if (extracted.source) {
      if (this.#method === "GET" || this.#method === "HEAD") {
        throw new TypeError("Request with GET/HEAD method cannot have body.");
      }
      if (extracted.type && !this.#headers.has("content-type")) {
        this.#headers.set("content-type", extracted.type);
      }
      this.setSource(extracted.source);
    }
  }

  /** A lite instance, or the runtime's own `Request` (loaded only for an object tagged "Request"). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: a subclass inherits this method; it must answer for itself.
    if (this !== LiteRequest) return Function.prototype[Symbol.hasInstance].call(this, value);
    if (typeof value !== "object" || value === null) return false;
    if (#url in value) return true;
    return isOriginal(value, "Request", () => globalThis.Request, LiteRequest);
  }

  get url(): string {
    return this.#url;
  }

  get method(): string {
    return this.#method;
  }

  get headers(): LiteHeaders {
    return this.#headers;
  }

  get signal(): AbortSignal {
    this.#signal ??= new AbortController().signal;
    return this.#signal;
  }

  // What an init of method, headers and body leaves at the spec's defaults.
  get cache(): Request["cache"] {
    return "default";
  }
  get credentials(): Request["credentials"] {
    return "same-origin";
  }
  get destination(): Request["destination"] {
    return "";
  }
  get integrity(): string {
    return "";
  }
  get keepalive(): boolean {
    return false;
  }
  get mode(): Request["mode"] {
    return "cors";
  }
  get redirect(): Request["redirect"] {
    return "follow";
  }
  get referrer(): string {
    return "about:client";
  }
  get referrerPolicy(): Request["referrerPolicy"] {
    return "";
  }
  get duplex(): Request["duplex"] {
    return "half";
  }
  get isReloadNavigation(): boolean {
    return false;
  }
  get isHistoryNavigation(): boolean {
    return false;
  }

  get [Symbol.toStringTag](): string {
    return "Request";
  }

  /**
   * This request as the runtime's own, to be the input of another: its body is handed over as a stream
   * unless `init` brings its own, so it ends up moved, or left untouched, as the spec says.
   */
  #forward(init: RequestInit | null | undefined): globalThis.Request {
    const replaced = init?.body !== undefined && init?.body !== null;
    if (!replaced && !this.bodyUsable) {
      throw new TypeError("Cannot construct a Request with a Request object that has already been used.");
    }
    return this.toOriginal(replaced ? null : this.body);
  }

  clone(): LiteRequest {
    const copy = new LiteRequest(this.#url, { method: this.#method, headers: this.#headers });
    copy.setSource(this.cloneSource());
    return copy;
  }

  protected override toOriginal(body: ReleasedBody): globalThis.Request {
    return new globalThis.Request(this.#url, {
      method: this.#method,
      headers: this.#headers,
      body,
      duplex: "half",
    });
  }
}
