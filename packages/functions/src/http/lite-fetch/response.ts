import { isOriginal, LiteHeaders } from "./headers.ts";

/**
 * A WHATWG `Response` (and the body both it and `LiteRequest` carry) that does not load undici.
 *
 * Why: the first `new Response()` in a process loads Node's bundled undici, and its web-stream-backed bodies
 * cost CPU on every Lambda request (both measured in decision 0007); Hono builds one or
 * two responses per request from a string or bytes and reads each once.
 *
 * Supported, as the spec says: a string, `ArrayBuffer` or `ArrayBufferView` body (copied, a string
 * typed `text/plain;charset=UTF-8`); `status` (200 by default, RangeError outside 200–599, TypeError
 * with a body on 204/205/304), `statusText`, `ok`, `headers`, `type`, `url`, `redirected`, `bodyUsed`,
 * `text()`, `json()`, `arrayBuffer()`, `bytes()` (read once: a second read rejects with a TypeError),
 * `clone()`, `Response.json()`, and `body`: a real `ReadableStream` (Node's web streams, not undici) made
 * on first access. Handing that stream to a new lite Response untouched, as Hono does in
 * `new Response(res.body, res)`, shares the bytes instead of piping them.
 *
 * Falls back to the runtime's own `Response` (undici, loaded then): any other body (a foreign
 * `ReadableStream`, `Blob`, `FormData`, `URLSearchParams`, an async iterable...) or an init that is not
 * an object, for which the constructor returns an undici instance; `blob()` and `formData()`, which
 * build an undici instance from the bytes and current headers; `Response.redirect()` and `Response.error()`.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const TEXT_PLAIN = "text/plain;charset=UTF-8";
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const REASON_PHRASE = /^[\t\x20-\x7E\x80-\xFF]*$/;

type BodyData = string | Uint8Array<ArrayBuffer>;
/** What `LiteBody.toOriginal` is given: a handed-out stream, the bytes, or nothing. */
export type ReleasedBody = ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer> | null;

/** Streams handed out by `.body`, so that a lite Response built from one can take the bytes back. */
const handedOut = new WeakMap<object, BodySource>();

/**
 * The bytes of one body, read at most once. A Response built from another's untouched `.body` stream
 * shares its source, so reading either marks both used, as reading the one stream would.
 */
class BodySource {
  #data: BodyData;
  #stream: ReadableStream<Uint8Array> | undefined;
  #disturbed = false;

  constructor(data: BodyData) {
    this.#data = data;
  }

  /** The source behind a stream that `.body` handed out, if `value` is one. */
  static behind(value: unknown): BodySource | undefined {
    return typeof value === "object" && value !== null ? handedOut.get(value) : undefined;
  }

  /** Read, or its stream read from or cancelled: the spec's "disturbed", which `bodyUsed` reports. */
  get disturbed(): boolean {
    return this.#disturbed;
  }

  /** Neither disturbed nor its stream locked by a reader, as a body must be to be read or reused. */
  get usable(): boolean {
    return !this.#disturbed && !this.#stream?.locked;
  }

  stream(): ReadableStream<Uint8Array> {
    if (this.#stream) return this.#stream;
    const stream = new ReadableStream(
      {
        type: "bytes",
        // With no buffering asked for, pull runs only when someone reads.
        pull: (controller) => {
          this.#disturbed = true;
          const bytes = toBytes(this.#data);
          if (bytes.byteLength > 0) controller.enqueue(bytes);
          controller.close();
        },
        cancel: () => {
          this.#disturbed = true;
        },
      },
      { highWaterMark: 0 },
    );
    handedOut.set(stream, this);
    this.#stream = stream;
    return stream;
  }

  /** The data, for a one-time read; the stream, if one was handed out, ends up locked, as reading it would. */
  take(): BodyData {
    if (!this.usable) throw new TypeError("Body is unusable: Body has already been read");
    this.#disturbed = true;
    this.#stream?.getReader();
    return this.#data;
  }

  /**
   * What an undici instance can be built from: the stream if handed out (its state must carry over), else
   * the bytes (not a string, which would make undici add a Content-Type the headers may not have).
   */
  release(): NonNullable<ReleasedBody> {
    return this.#stream && this.usable ? this.#stream : toBytes(this.take());
  }

  /**
   * Two independent bodies for `clone()`: this one, unless its stream was handed out, in which case that
   * stream is locked (as teeing it would) and a fresh source takes its place.
   */
  tee(): [BodySource, BodySource] {
    if (!this.usable) throw new TypeError("Body has already been consumed.");
    const copy = () => new BodySource(typeof this.#data === "string" ? this.#data : this.#data.slice());
    if (!this.#stream) return [this, copy()];
    this.#stream.getReader();
    return [copy(), copy()];
  }
}

function toBytes(data: BodyData): Uint8Array<ArrayBuffer> {
  return typeof data === "string" ? (encoder.encode(data) as Uint8Array<ArrayBuffer>) : data;
}

function copyBytes(view: ArrayBufferView<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

/** The body and the Content-Type it implies, or `undefined` when only the runtime's class can take it. */
export function extractBody(
  body: unknown,
  options: { adoptStreams: boolean },
): { source: BodySource | null; type: string | null } | undefined {
  if (body === undefined || body === null) return { source: null, type: null };
  if (typeof body === "string") {
    // A USVString: lone surrogates become U+FFFD. toWellFormed is ES2024, newer than the project's lib.
    const text = (body as string & { toWellFormed(): string }).toWellFormed();
    return { source: new BodySource(text), type: TEXT_PLAIN };
  }
  if (body instanceof ArrayBuffer) {
    return { source: new BodySource(new Uint8Array(body.slice(0))), type: null };
  }
  if (ArrayBuffer.isView(body) && body.buffer instanceof ArrayBuffer) {
    return { source: new BodySource(copyBytes(body as ArrayBufferView<ArrayBuffer>)), type: null };
  }
  const shared = options.adoptStreams ? BodySource.behind(body) : undefined;
  return shared?.usable ? { source: shared, type: null } : undefined;
}

/** The body half of the spec's Body mixin, shared by `LiteRequest` and `LiteResponse`. */
export abstract class LiteBody {
  #source: BodySource | null = null;

  protected setSource(source: BodySource | null): void {
    this.#source = source;
  }

  /** A source for a clone; this body keeps (or gets) an independent one. Throws once the body is used. */
  protected cloneSource(): BodySource | null {
    if (!this.#source) return null;
    const [mine, theirs] = this.#source.tee();
    this.#source = mine;
    return theirs;
  }

  /** An instance of the runtime's own class with the same headers, to do what the lite class does not. */
  protected abstract toOriginal(body: ReleasedBody): globalThis.Request | globalThis.Response;

  /** Whether the body can still be read: none, or neither read nor locked by a reader. */
  protected get bodyUsable(): boolean {
    return this.#source?.usable ?? true;
  }

  get body(): ReadableStream<Uint8Array> | null {
    return this.#source?.stream() ?? null;
  }

  get bodyUsed(): boolean {
    return this.#source?.disturbed ?? false;
  }

  async text(): Promise<string> {
    if (!this.#source) return "";
    const data = this.#source.take();
    if (typeof data !== "string") return decoder.decode(data);
    // Decoding the UTF-8 of a string would drop a leading byte order mark.
    return data.charCodeAt(0) === 0xfeff ? data.slice(1) : data;
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return (await this.bytes()).buffer;
  }

  async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return this.#source ? toBytes(this.#source.take()) : new Uint8Array(0);
  }

  async blob(): Promise<Blob> {
    return this.toOriginal(this.#source?.release() ?? null).blob();
  }

  async formData(): Promise<FormData> {
    return this.toOriginal(this.#source?.release() ?? null).formData();
  }
}

function toUnsignedShort(value: unknown): number {
  const number = Math.trunc(Number(value));
  return Number.isFinite(number) ? ((number % 65536) + 65536) % 65536 : 0;
}

/**
 * Lightweight `Response`; what the global name means once `installLiteFetch()` ran (a script-scope binding, not a `globalThis` property).
 *
 * @example
 * const res = new LiteResponse(JSON.stringify({ ok: true }), { status: 201, headers: { "Content-Type": "application/json" } });
 * await res.json(); // { ok: true }
 */
export class LiteResponse extends LiteBody implements Response {
  #status = 200;
  #statusText = "";
  // Assigned unless the constructor returns a runtime instance instead.
  #headers!: LiteHeaders;

  constructor(body?: ConstructorParameters<typeof Response>[0], init?: ResponseInit) {
    super();
    const extracted = extractBody(body, { adoptStreams: true });
    if (extracted === undefined || (init !== undefined && init !== null && typeof init !== "object")) {
      // `new` yields the runtime's own instance, which is still `instanceof` this class.
      // biome-ignore lint/correctness/noConstructorReturn: the fallback for what the lite class does not support.
      return new globalThis.Response(body, init) as unknown as LiteResponse;
    }
    if (init?.status !== undefined) this.#status = toUnsignedShort(init.status);
    if (this.#status < 200 || this.#status > 599) {
      throw new RangeError(
        `Response: status must be in the range of 200 to 599, inclusive; got ${this.#status}.`,
      );
    }
    if (init?.statusText !== undefined) this.#statusText = `${init.statusText}`;
    if (!REASON_PHRASE.test(this.#statusText)) throw new TypeError("Response: invalid statusText.");
    this.#headers = new LiteHeaders(init?.headers);
    if (extracted.source) {
      if (NULL_BODY_STATUSES.has(this.#status)) {
        throw new TypeError(`Response: a response with status ${this.#status} cannot have a body.`);
      }
      if (extracted.type && !this.#headers.has("content-type")) {
        this.#headers.set("content-type", extracted.type);
      }
      this.setSource(extracted.source);
    }
  }

  /** `JSON.stringify(data)` as an `application/json` response. */
  static json(data: unknown, init?: ResponseInit): LiteResponse {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError("Response.json: value is not JSON serializable.");
    const headers = new LiteHeaders(init?.headers);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
    return new LiteResponse(text, { status: init?.status, statusText: init?.statusText, headers });
  }

  static redirect(url: string | URL, status?: number): Response {
    return globalThis.Response.redirect(url, status as 301 | 302 | 303 | 307 | 308);
  }

  static error(): Response {
    return globalThis.Response.error();
  }

  /** A lite instance, or the runtime's own `Response` (loaded only for an object tagged "Response"). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: a subclass inherits this method; it must answer for itself.
    if (this !== LiteResponse) return Function.prototype[Symbol.hasInstance].call(this, value);
    if (typeof value !== "object" || value === null) return false;
    if (#status in value) return true;
    return isOriginal(value, "Response", () => globalThis.Response, LiteResponse);
  }

  get status(): number {
    return this.#status;
  }

  get statusText(): string {
    return this.#statusText;
  }

  get ok(): boolean {
    return this.#status >= 200 && this.#status <= 299;
  }

  get headers(): LiteHeaders {
    return this.#headers;
  }

  get type(): ResponseType {
    return "default";
  }

  get url(): string {
    return "";
  }

  get redirected(): boolean {
    return false;
  }

  get [Symbol.toStringTag](): string {
    return "Response";
  }

  clone(): LiteResponse {
    const copy = new LiteResponse(null, this);
    copy.setSource(this.cloneSource());
    return copy;
  }

  protected override toOriginal(body: ReleasedBody): globalThis.Response {
    return new globalThis.Response(body, {
      status: this.#status,
      statusText: this.#statusText,
      headers: this.#headers,
    });
  }
}

type ResponseType = globalThis.Response["type"];
