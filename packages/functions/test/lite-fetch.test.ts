import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { handle } from "hono/aws-lambda";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { LiteHeaders } from "../src/http/lite-fetch/headers.ts";
import { installLiteFetch, uninstallLiteFetch } from "../src/http/lite-fetch/install.ts";
import { LiteRequest } from "../src/http/lite-fetch/request.ts";
import { LiteResponse } from "../src/http/lite-fetch/response.ts";
import { albEvent } from "./fixtures/alb.ts";
import { httpApiV2Event } from "./fixtures/http-api-v2.ts";
import { lambdaContext } from "./fixtures/lambda-context.ts";
import { asHonoEvent, type HonoLambdaEvent, liteFetchTestApp } from "./fixtures/lite-fetch-app.ts";
import type { HttpRequestSpec } from "./fixtures/request.ts";
import { restApiV1Event } from "./fixtures/rest-api-v1.ts";

type HeadersInit = ConstructorParameters<typeof Headers>[0];
type BodyInit = ConstructorParameters<typeof Response>[0];

/** One implementation of the three classes: the lite ones, or the runtime's own (undici). */
interface Impl {
  Headers: typeof Headers;
  Request: typeof Request;
  Response: typeof Response;
}

// installLiteFetch never touches the global object's properties, so these stay undici's throughout.
const undici: Impl = {
  Headers: globalThis.Headers,
  Request: globalThis.Request,
  Response: globalThis.Response,
};
const lite = { Headers: LiteHeaders, Request: LiteRequest, Response: LiteResponse } as unknown as Impl;

type Outcome = { value: unknown } | { throws: string };

const errorName = (error: unknown) => (error instanceof Error ? error.constructor.name : typeof error);

function outcome(act: () => unknown): Outcome {
  try {
    return { value: act() };
  } catch (error) {
    return { throws: errorName(error) };
  }
}

async function settle(act: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { value: await act() };
  } catch (error) {
    return { throws: errorName(error) };
  }
}

/** Runs the same observation on both implementations: what the lite one shows must be what undici shows. */
async function expectConformance(observe: (impl: Impl) => unknown): Promise<void> {
  const expected = await observe(undici);
  expect(await observe(lite)).toEqual(expected);
}

const encode = (text: string) => new TextEncoder().encode(text);
const bytesOf = (buffer: ArrayBuffer | Uint8Array) => [...new Uint8Array(buffer)];
const BOM_JSON = new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]);

afterAll(() => {
  uninstallLiteFetch();
});

describe("LiteHeaders conforms to undici's Headers", () => {
  const PROBES = [
    "content-type",
    "Content-Type",
    "accept",
    "set-cookie",
    "SET-COOKIE",
    "x-custom",
    "missing",
  ];

  function snapshot(headers: Headers) {
    const forEach: [string, string][] = [];
    headers.forEach((value, name) => {
      forEach.push([name, value]);
    });
    return {
      entries: [...headers],
      keys: [...headers.keys()],
      values: [...headers.values()],
      forEach,
      setCookie: headers.getSetCookie(),
      get: PROBES.map((name) => headers.get(name)),
      has: PROBES.map((name) => headers.has(name)),
      tag: Object.prototype.toString.call(headers),
    };
  }

  const inits: [string, (impl: Impl) => unknown][] = [
    ["nothing", () => undefined],
    ["an empty record", () => ({})],
    [
      "a record with mixed-case names",
      () => ({ "Content-Type": "text/html", "X-Custom": "1", accept: "*/*" }),
    ],
    ["a record with values to trim", () => ({ "X-Custom": " \t padded value \r\n" })],
    ["a record with an array value", () => ({ accept: ["text/html", "application/json"] })],
    [
      "pairs repeating a name in mixed case",
      () => [
        ["Accept", "text/html"],
        ["accept", "application/json"],
        ["ACCEPT", "*/*"],
      ],
    ],
    [
      "pairs with several set-cookie",
      () => [
        ["Set-Cookie", "a=1; Path=/"],
        ["x-custom", "y"],
        ["set-cookie", "b=2, c=3"],
      ],
    ],
    [
      "pairs out of order",
      () => [
        ["zeta", "1"],
        ["alpha", "2"],
        ["set-cookie", "c=1"],
        ["Beta", "3"],
        ["alpha-2", "4"],
        ["alpha_2", "5"],
        ["ALPHA", "6"],
        ["set-cookie", "a=1"],
        ["Set-Cookie2", "x"],
      ],
    ],
    ["a Map", () => new Map([["X-Custom", "from a map"]])],
    [
      "a Headers of the same kind",
      (impl) =>
        new impl.Headers([
          ["Set-Cookie", "a=1"],
          ["Set-Cookie", "b=2"],
          ["X-Custom", "z"],
        ]),
    ],
    ["an empty value", () => ({ "x-custom": "" })],
    ["a Latin-1 value", () => ({ "x-custom": "caf\u00e9" })],
    ["a number value", () => ({ "x-custom": 42 })],
    ["an invalid name", () => ({ "bad name": "x" })],
    ["an empty name", () => ({ "": "x" })],
    ["a non-ASCII name", () => ({ "caf\u00e9": "x" })],
    ["a value with NUL", () => ({ "x-custom": "a\0b" })],
    ["a value with an inner line break", () => ({ "x-custom": "a\r\nb" })],
    ["a value beyond Latin-1", () => ({ "x-custom": "\u2603" })],
    ["a pair of three", () => [["a", "b", "c"]]],
    ["a pair of one", () => [["a"]]],
    ["null", () => null],
    ["a string", () => "x-custom: 1"],
    ["a symbol name", () => ({ [Symbol("name")]: "x" })],
  ];

  it.each(inits)("new Headers(%s)", async (_label, init) => {
    await expectConformance((impl) => outcome(() => snapshot(new impl.Headers(init(impl) as HeadersInit))));
  });

  type Operation = ["append" | "set" | "delete", string, string];

  /** Applies the operations one by one, noting which throw, then takes a snapshot. */
  function afterOperations(impl: Impl, operations: Operation[]) {
    const headers = new impl.Headers();
    const results = operations.map(([method, name, value]) =>
      outcome(() => (method === "delete" ? headers.delete(name) : headers[method](name, value))),
    );
    return { results, headers: snapshot(headers) };
  }

  const scripts: [string, Operation[]][] = [
    [
      "append joins a repeated name with a comma and a space",
      [
        ["append", "Accept", "a"],
        ["append", "accept", "b"],
      ],
    ],
    [
      "set replaces every earlier value",
      [
        ["append", "Accept", "a"],
        ["append", "accept", "b"],
        ["set", "ACCEPT", "c"],
      ],
    ],
    [
      "set-cookie values stay separate",
      [
        ["append", "Set-Cookie", "a=1"],
        ["append", "set-cookie", "b=2"],
      ],
    ],
    [
      "set on set-cookie leaves one cookie",
      [
        ["append", "Set-Cookie", "a=1"],
        ["append", "set-cookie", "b=2"],
        ["set", "Set-Cookie", "c=3"],
      ],
    ],
    [
      "delete removes a name whatever its case",
      [
        ["append", "X-Custom", "1"],
        ["delete", "x-CUSTOM", ""],
      ],
    ],
    [
      "delete removes every cookie",
      [
        ["append", "Set-Cookie", "a=1"],
        ["append", "Set-Cookie", "b=2"],
        ["delete", "set-cookie", ""],
      ],
    ],
    ["append with an invalid name throws", [["append", "bad name", "x"]]],
    ["set with an invalid value throws", [["set", "x-custom", "a\nb"]]],
    ["delete with an invalid name throws", [["delete", "bad(name)", ""]]],
  ];

  it.each(scripts)("%s", async (_label, operations) => {
    await expectConformance((impl) => afterOperations(impl, operations));
  });

  it("any sequence of appends, sets and deletes ends the same as with undici", () => {
    const name = fc.constantFrom(
      "Accept",
      "accept",
      "Set-Cookie",
      "set-cookie",
      "X-Custom",
      "Vary",
      "a",
      "bad name",
    );
    const value = fc.constantFrom(
      "1",
      " padded ",
      "a, b",
      "a=1; Path=/",
      "",
      "caf\u00e9",
      "bad\nvalue",
      "\u2603",
    );
    const operation = fc.tuple(
      fc.constantFrom("append" as const, "set" as const, "delete" as const),
      name,
      value,
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 12 }), (operations) => {
        expect(afterOperations(lite, operations)).toEqual(afterOperations(undici, operations));
      }),
      { numRuns: 300 },
    );
  });

  it("iteration sees names added and deleted while iterating", async () => {
    await expectConformance((impl) => {
      const headers = new impl.Headers({ b: "2", d: "4", "set-cookie": "x=1" });
      const seen: string[] = [];
      for (const [name] of headers) {
        seen.push(name);
        if (name === "b") {
          headers.append("c", "3");
          headers.delete("d");
        }
      }
      headers.forEach((_value, name) => {
        seen.push(`forEach:${name}`);
        if (name === "b") headers.append("a", "0");
      });
      return seen;
    });
  });

  it("hands out fresh pairs, so changing one does not change the headers", async () => {
    await expectConformance((impl) => {
      const headers = new impl.Headers({ a: "1" });
      const [pair] = [...headers];
      if (pair) pair[1] = "changed";
      return [...headers];
    });
  });
});

describe("LiteRequest conforms to undici's Request", () => {
  const URL_TEXT = "https://api.example.com/epochs";
  const DEFAULTS = [
    "cache",
    "credentials",
    "destination",
    "integrity",
    "keepalive",
    "mode",
    "redirect",
    "referrer",
    "referrerPolicy",
    "duplex",
    "isReloadNavigation",
    "isHistoryNavigation",
  ];

  async function observe(request: Request) {
    const fields = {
      url: request.url,
      method: request.method,
      headers: [...request.headers],
      bodyUsed: request.bodyUsed,
      defaults: DEFAULTS.map((key) => (request as unknown as Record<string, unknown>)[key]),
      aborted: request.signal.aborted,
      tag: Object.prototype.toString.call(request),
    };
    const text = await settle(() => request.text());
    const again = await settle(() => request.text());
    return { ...fields, text, again, bodyUsedAfter: request.bodyUsed };
  }

  const cases: [string, string | URL, RequestInit | undefined][] = [
    ["a URL to serialise", "https://API.example.com/a b/../c?x=1 2#frag", undefined],
    ["a URL object", new URL("https://api.example.com/epochs?limit=2"), undefined],
    ["POST with a string body", URL_TEXT, { method: "POST", body: '{"a":1}' }],
    ["a lower-case standard method", URL_TEXT, { method: "post", body: "x" }],
    ["a non-standard method, which keeps its case", URL_TEXT, { method: "propfind" }],
    [
      "the caller's Content-Type",
      URL_TEXT,
      { method: "PUT", body: "{}", headers: { "Content-Type": "application/json" } },
    ],
    ["a Uint8Array body", URL_TEXT, { method: "POST", body: encode("h\u00e9llo") }],
    ["an ArrayBuffer body", URL_TEXT, { method: "POST", body: encode("buffer").buffer }],
    ["a Buffer slice body", URL_TEXT, { method: "POST", body: Buffer.from("xxhello").subarray(2) }],
    ["a DataView body", URL_TEXT, { method: "POST", body: new DataView(encode("xxview").buffer, 2) }],
    ["bytes with a byte order mark", URL_TEXT, { method: "POST", body: BOM_JSON }],
    ["a string with a BOM and a lone surrogate", URL_TEXT, { method: "POST", body: "\uFEFFa\uD800b" }],
    ["a null body on GET", URL_TEXT, { method: "GET", body: null }],
    [
      "headers as pairs",
      URL_TEXT,
      {
        headers: [
          ["X-A", "1"],
          ["x-a", "2"],
        ],
      },
    ],
    ["GET with a body", URL_TEXT, { body: "" }],
    ["HEAD with a body", URL_TEXT, { method: "HEAD", body: "x" }],
    ["CONNECT", URL_TEXT, { method: "CONNECT" }],
    ["an invalid method", URL_TEXT, { method: "GE T" }],
    ["a relative URL", "/epochs", undefined],
    ["a URL with credentials", "https://user:pw@api.example.com/", undefined],
    ["an invalid header", URL_TEXT, { headers: { "bad name": "x" } }],
  ];

  it.each(cases)("new Request with %s", async (_label, input, init) => {
    await expectConformance(async (impl) => {
      const made = outcome(() => new impl.Request(input, init));
      return "value" in made ? observe(made.value as Request) : made;
    });
  });

  it("clone() copies method, headers and body, and throws once the body is read", async () => {
    await expectConformance(async (impl) => {
      const request = new impl.Request(URL_TEXT, {
        method: "POST",
        body: "payload",
        headers: { "X-A": "1" },
      });
      const copy = request.clone();
      const texts = [await request.text(), await copy.text()];
      return {
        texts,
        method: copy.method,
        url: copy.url,
        headers: [...copy.headers],
        again: outcome(() => copy.clone()),
      };
    });
  });
});

describe("LiteResponse conforms to undici's Response", () => {
  async function observe(response: Response) {
    const fields = {
      status: response.status,
      statusText: response.statusText,
      ok: response.ok,
      type: response.type,
      url: response.url,
      redirected: response.redirected,
      headers: [...response.headers],
      bodyUsed: response.bodyUsed,
      hasBody: response.body !== null,
      tag: Object.prototype.toString.call(response),
    };
    const text = await settle(() => response.text());
    const again = await settle(() => response.text());
    return { ...fields, text, again, bodyUsedAfter: response.bodyUsed };
  }

  const cases: [string, () => BodyInit, ResponseInit | null | undefined][] = [
    ["no body and no init", () => undefined, undefined],
    ["a null body and status 204", () => null, { status: 204 }],
    ["a string", () => "hello", undefined],
    ["an empty string", () => "", undefined],
    ["a BOM and a lone surrogate", () => "\uFEFFa\uD800b", undefined],
    ["UTF-8 bytes", () => encode("h\u00e9llo"), undefined],
    ["bytes with a byte order mark", () => BOM_JSON, undefined],
    ["an ArrayBuffer", () => encode("buffer").buffer, undefined],
    ["a DataView", () => new DataView(encode("xxview").buffer, 2), undefined],
    ["a Buffer slice", () => Buffer.from("xxhello").subarray(2), undefined],
    [
      "status, statusText and headers",
      () => '{"a":1}',
      {
        status: 201,
        statusText: "Created",
        headers: { "Content-Type": "application/json", "Set-Cookie": "a=1" },
      },
    ],
    [
      "set-cookie pairs",
      () => "x",
      {
        headers: [
          ["Set-Cookie", "a=1"],
          ["Set-Cookie", "b=2"],
        ],
      },
    ],
    ["a 404", () => "nope", { status: 404 }],
    ["a status given as a string", () => null, { status: "202" as unknown as number }],
    ["a status past 65535", () => null, { status: 65736 }],
    ["a fractional status", () => null, { status: 299.9 }],
    ["status 199", () => null, { status: 199 }],
    ["status 600", () => null, { status: 600 }],
    ["status NaN", () => null, { status: Number.NaN }],
    ["a body with status 204", () => "x", { status: 204 }],
    ["a body with status 205", () => "x", { status: 205 }],
    ["a body with status 304", () => "x", { status: 304 }],
    ["an empty body with status 204", () => "", { status: 204 }],
    ["an invalid statusText", () => null, { statusText: "a\nb" }],
    ["a Latin-1 statusText", () => null, { statusText: "Caf\u00e9" }],
    ["a statusText beyond Latin-1", () => null, { statusText: "\u2603" }],
    ["a null init", () => "x", null],
  ];

  it.each(cases)("new Response with %s", async (_label, body, init) => {
    await expectConformance(async (impl) => {
      const made = outcome(() => new impl.Response(body(), init as ResponseInit));
      return "value" in made ? observe(made.value as Response) : made;
    });
  });

  const jsonCases: [string, unknown, ResponseInit | undefined][] = [
    ["an object", { a: 1, b: [true, null] }, undefined],
    ["a string", "text", undefined],
    ["null", null, undefined],
    [
      "a status and the caller's Content-Type",
      { a: 1 },
      { status: 201, headers: { "Content-Type": "application/vnd.api+json" } },
    ],
    ["undefined", undefined, undefined],
    ["a BigInt", 1n, undefined],
    ["status 204", { a: 1 }, { status: 204 }],
  ];

  it.each(jsonCases)("Response.json(%s)", async (_label, data, init) => {
    await expectConformance(async (impl) => {
      const made = outcome(() => impl.Response.json(data, init));
      return "value" in made ? observe(made.value as Response) : made;
    });
  });

  it("clone() gives two readable bodies, and throws once the body is read", async () => {
    await expectConformance(async (impl) => {
      const response = new impl.Response("payload", {
        status: 202,
        statusText: "Accepted",
        headers: { "X-A": "1" },
      });
      const copy = response.clone();
      const texts = [await response.text(), await copy.text()];
      return { texts, copy: await observe(copy), again: outcome(() => response.clone()) };
    });
  });
});

describe("the body readers of both classes conform to undici's", () => {
  const readers: [string, (body: Response | Request) => Promise<unknown>][] = [
    ["text", (body) => body.text()],
    ["json", (body) => body.json()],
    ["arrayBuffer", async (body) => bytesOf(await body.arrayBuffer())],
    ["bytes", async (body) => bytesOf(await (body as unknown as { bytes(): Promise<Uint8Array> }).bytes())],
  ];
  const bodies: [string, () => BodyInit][] = [
    ["JSON text", () => '{"a":[1,"\u00e9"]}'],
    ["an empty string", () => ""],
    ["JSON bytes with a byte order mark", () => BOM_JSON],
    ["text that is not JSON", () => "not json"],
    ["no body", () => null],
  ];
  const table = readers.flatMap(([reader, read]) =>
    bodies.map(([label, body]) => [reader, label, read, body] as const),
  );

  it.each(table)("%s() of %s, on a Response and a Request", async (_reader, _label, read, body) => {
    await expectConformance(async (impl) => ({
      response: await settle(() => read(new impl.Response(body()))),
      request: await settle(() =>
        read(new impl.Request("https://api.example.com/", { method: "POST", body: body() })),
      ),
    }));
  });

  it("arrayBuffer() resolves to an ArrayBuffer of exactly the body", async () => {
    await expectConformance(async (impl) => {
      const buffer = await new impl.Response(Buffer.from("xxhello").subarray(2)).arrayBuffer();
      return { isArrayBuffer: buffer instanceof ArrayBuffer, byteLength: buffer.byteLength };
    });
  });
});

describe("the body stream conforms to undici's", () => {
  async function drain(stream: ReadableStream<Uint8Array> | null) {
    if (!stream) return null;
    const bytes: number[] = [];
    for await (const chunk of stream) bytes.push(...chunk);
    return bytes;
  }

  it.each([
    ["a string", "streamed \u00e9"],
    ["an empty string", ""],
    ["bytes", encode("bytes")],
    ["no body", null],
  ] as [string, BodyInit][])(
    "reading .body of %s streams the bytes and uses the body",
    async (_label, body) => {
      await expectConformance(async (impl) => {
        const response = new impl.Response(body);
        const first = response.body;
        const same = first === response.body;
        const bytes = await drain(response.body);
        return { same, bytes, bodyUsed: response.bodyUsed, text: await settle(() => response.text()) };
      });
    },
  );

  it("new Response(res.body, res), as Hono does, shares the body and its used state", async () => {
    await expectConformance(async (impl) => {
      const first = new impl.Response("shared", { status: 201, headers: { "X-A": "1" } });
      const stream = first.body;
      const second = new impl.Response(stream, first);
      const before = { same: second.body === stream, firstUsed: first.bodyUsed, locked: stream?.locked };
      const text = await second.text();
      const after = { firstUsed: first.bodyUsed, secondUsed: second.bodyUsed, locked: stream?.locked };
      return {
        before,
        text,
        after,
        status: second.status,
        headers: [...second.headers],
        first: await settle(() => first.text()),
      };
    });
  });

  it("a body stream passed on without an init brings no Content-Type", async () => {
    await expectConformance(async (impl) => {
      const response = new impl.Response(new impl.Response("x").body);
      return { headers: [...response.headers], text: await response.text() };
    });
  });

  it("a read or cancelled body stream cannot make a new Response", async () => {
    await expectConformance(async (impl) => {
      const read = new impl.Response("read");
      await drain(read.body);
      const cancelled = new impl.Response("cancelled");
      await cancelled.body?.cancel();
      return {
        read: outcome(() => new impl.Response(read.body)),
        cancelledUsed: cancelled.bodyUsed,
        cancelled: outcome(() => new impl.Response(cancelled.body)),
      };
    });
  });

  it("clone() after .body was handed out locks that stream and gives both sides a new one", async () => {
    await expectConformance(async (impl) => {
      const response = new impl.Response("teed");
      const stream = response.body;
      const copy = response.clone();
      return {
        locked: stream?.locked,
        replaced: response.body !== stream,
        texts: [await response.text(), await copy.text()],
      };
    });
  });
});

describe("the paths Hono and hono/aws-lambda take stay lite", () => {
  const paths: [string, () => object, { prototype: object }][] = [
    [
      "new Request(url, { method, headers, body: bytes }), as hono/aws-lambda builds it",
      () =>
        new LiteRequest("https://api.example.com/", {
          method: "POST",
          headers: new LiteHeaders(),
          body: encode("{}"),
        }),
      LiteRequest,
    ],
    [
      "new Response(res.body, res), as c.header() after the handler does",
      () => {
        const res = new LiteResponse("x", { status: 201 });
        return new LiteResponse(res.body, res);
      },
      LiteResponse,
    ],
    [
      "new Response(null, res), as HEAD does",
      () => new LiteResponse(null, new LiteResponse("x")),
      LiteResponse,
    ],
    ["Response.json()", () => LiteResponse.json({ a: 1 }), LiteResponse],
    ["clone()", () => new LiteResponse("x").clone(), LiteResponse],
  ];

  it.each(paths)("%s", (_label, make, liteClass) => {
    // Act
    const made = make();

    // Assess: the prototype, since instanceof also says yes to undici's instances.
    expect(Object.getPrototypeOf(made) === liteClass.prototype).toBe(true);
  });
});

describe("what lite fetch does not support falls back to undici", () => {
  afterEach(() => {
    uninstallLiteFetch();
  });

  it("gives an undici Response for a stream, Blob, FormData or URLSearchParams body", async () => {
    // Prepare
    installLiteFetch();
    const form = new FormData();
    form.append("field", "value");
    const bodies: BodyInit[] = [
      new ReadableStream({
        start(controller) {
          controller.enqueue(encode("streamed"));
          controller.close();
        },
      }),
      new Blob(["blob"], { type: "text/x-blob" }),
      form,
      new URLSearchParams({ a: "1", b: "two words" }),
    ];

    // Act
    const responses = bodies.map((body) => new Response(body, { status: 201 }));

    // Assess
    for (const response of responses) {
      expect(Object.getPrototypeOf(response)).toBe(undici.Response.prototype);
      expect(response).toBeInstanceOf(Response);
      expect(response.status).toBe(201);
    }
    const [stream, blob, formData, params] = responses as [Response, Response, Response, Response];
    expect(await stream.text()).toBe("streamed");
    expect(blob.headers.get("content-type")).toBe("text/x-blob");
    expect(await blob.text()).toBe("blob");
    expect(formData.headers.get("content-type")).toMatch(/^multipart\/form-data; boundary=/);
    expect(params.headers.get("content-type")).toBe("application/x-www-form-urlencoded;charset=UTF-8");
    expect(await params.text()).toBe("a=1&b=two+words");
  });

  it("gives an undici Request for a signal, a duplex stream body or a Request input", async () => {
    // Prepare
    installLiteFetch();
    const controller = new AbortController();
    const source = new Request("https://api.example.com/in", {
      method: "PUT",
      body: "moved",
      headers: { "X-A": "1" },
    });

    // Act
    const withSignal = new Request("https://api.example.com/", { signal: controller.signal });
    const streamed = new Request("https://api.example.com/", {
      method: "POST",
      body: new Response("piped").body,
      duplex: "half",
    } as RequestInit);
    const copied = new Request(source);
    controller.abort();

    // Assess
    for (const request of [withSignal, streamed, copied]) {
      expect(Object.getPrototypeOf(request)).toBe(undici.Request.prototype);
      expect(request).toBeInstanceOf(Request);
    }
    expect(withSignal.signal.aborted).toBe(true);
    expect(await streamed.text()).toBe("piped");
    expect([copied.method, copied.url, copied.headers.get("x-a")]).toEqual([
      "PUT",
      "https://api.example.com/in",
      "1",
    ]);
    expect(await copied.text()).toBe("moved");
    expect(source.bodyUsed).toBe(true);
  });

  it("lets a read lite Request be the input of a new one with its own body, as body-limit does", async () => {
    // Prepare
    installLiteFetch();
    const raw = new Request("https://api.example.com/upload", { method: "POST", body: "original" });
    await raw.text();

    // Act
    const replaced = new Request(raw, { body: "replacement" });
    const reused = outcome(() => new Request(raw));

    // Assess
    expect(await replaced.text()).toBe("replacement");
    expect(replaced.method).toBe("POST");
    expect(reused).toEqual({ throws: "TypeError" });
  });

  it("takes a lite Request as the init of a new one, as app.mount() does", async () => {
    // Prepare
    installLiteFetch();
    const raw = new Request("https://api.example.com/app/x", {
      method: "POST",
      body: "mounted",
      headers: { "X-A": "1" },
    });

    // Act
    const mounted = new Request(new URL("https://api.example.com/x"), raw);

    // Assess
    expect([mounted.method, mounted.url, mounted.headers.get("x-a")]).toEqual([
      "POST",
      "https://api.example.com/x",
      "1",
    ]);
    expect(await mounted.text()).toBe("mounted");
  });

  it("reads blob() and formData() through undici, with the current headers", async () => {
    await expectConformance(async (impl) => {
      const form = new impl.Response("a=1&b=two+words", {
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      });
      const untyped = new impl.Response("no type");
      untyped.headers.delete("content-type");
      const blob = await untyped.blob();
      const used = new impl.Response("used");
      await used.text();
      return {
        form: [...(await form.formData()).entries()],
        blob: { type: blob.type, text: await blob.text() },
        used: await settle(() => used.blob()),
      };
    });
  });

  it("answers Response.redirect() and Response.error() with undici's", () => {
    // Prepare
    installLiteFetch();

    // Act
    const redirect = Response.redirect("https://example.com/next", 301);
    const error = Response.error();

    // Assess
    expect([redirect.status, redirect.headers.get("location")]).toEqual([301, "https://example.com/next"]);
    expect(error.type).toBe("error");
    expect(redirect).toBeInstanceOf(Response);
  });
});

describe("installLiteFetch", () => {
  afterEach(() => {
    uninstallLiteFetch();
  });

  it("makes the three global names the lite classes and leaves globalThis' own properties alone", () => {
    // Act
    installLiteFetch();
    installLiteFetch();

    // Assess
    expect([Headers, Request, Response]).toEqual([LiteHeaders, LiteRequest, LiteResponse]);
    expect([globalThis.Headers, globalThis.Request, globalThis.Response]).toEqual([
      undici.Headers,
      undici.Request,
      undici.Response,
    ]);
    expect(globalThis.fetch).toBe(fetch);
  });

  it("points the names back at undici's classes when uninstalled", () => {
    // Prepare
    installLiteFetch();

    // Act
    uninstallLiteFetch();

    // Assess
    expect([Headers, Request, Response]).toEqual([undici.Headers, undici.Request, undici.Response]);
  });

  it("keeps instanceof true for lite and undici instances alike, and false for look-alikes", async () => {
    // Prepare
    installLiteFetch();
    const fetched = await fetch("data:text/plain,hi");
    class Mine extends Response {}
    class MyHeaders extends Headers {}

    // Assess
    expect(new Response("x")).toBeInstanceOf(Response);
    expect(new Headers()).toBeInstanceOf(Headers);
    expect(new Request("https://api.example.com/")).toBeInstanceOf(Request);
    expect(fetched).toBeInstanceOf(Response);
    expect(fetched.headers).toBeInstanceOf(Headers);
    expect(new undici.Request("https://api.example.com/")).toBeInstanceOf(Request);
    expect(new Mine("x")).toBeInstanceOf(Mine);
    expect(new Response("x")).not.toBeInstanceOf(Mine);
    expect(new MyHeaders()).toBeInstanceOf(MyHeaders);
    expect(new Headers()).not.toBeInstanceOf(MyHeaders);
    for (const value of [
      null,
      undefined,
      "Response",
      {},
      { [Symbol.toStringTag]: "Response" },
      new Headers(),
    ]) {
      expect(value instanceof Response).toBe(false);
    }
  });
});

describe("a Hono app through hono/aws-lambda answers the same with lite fetch as with undici", () => {
  const handler = handle(liteFetchTestApp());

  const frontDoors: [string, (spec: HttpRequestSpec) => HonoLambdaEvent][] = [
    ["API Gateway HTTP API (v2)", (spec) => asHonoEvent(httpApiV2Event(spec))],
    ["API Gateway REST API (v1)", (spec) => asHonoEvent(restApiV1Event(spec))],
    ["ALB", (spec) => asHonoEvent(albEvent(spec, { multiValueHeaders: false }))],
    ["ALB with multi-value headers", (spec) => asHonoEvent(albEvent(spec, { multiValueHeaders: true }))],
  ];
  const json = { "Content-Type": "application/json" };
  const requests: [string, HttpRequestSpec][] = [
    [
      "GET with a query and headers",
      { method: "GET", path: "/hello?name=Ada", headers: { "User-Agent": "vitest" } },
    ],
    ["HEAD", { method: "HEAD", path: "/hello" }],
    [
      "POST JSON with repeated query keys",
      { method: "POST", path: "/echo?tag=a&tag=b", headers: json, body: '{"n":1}' },
    ],
    [
      "POST base64-encoded JSON",
      { method: "POST", path: "/echo", headers: json, body: '{"\u00e9":2}', base64: true },
    ],
    ["POST invalid JSON", { method: "POST", path: "/echo", headers: json, body: "{oops" }],
    ["text", { method: "GET", path: "/text" }],
    ["HTML", { method: "GET", path: "/html" }],
    ["binary", { method: "GET", path: "/bytes" }],
    ["a thrown error", { method: "GET", path: "/boom" }],
    ["an HTTPException", { method: "GET", path: "/teapot" }],
    ["an unknown path", { method: "GET", path: "/missing" }],
  ];
  const table = frontDoors.flatMap(([door, event]) =>
    requests.map(([label, spec]) => [door, label, event(spec)] as const),
  );

  it.each(table)("behind %s: %s", async (_door, _label, event) => {
    // Act
    uninstallLiteFetch();
    const withUndici = await handler(event, lambdaContext());
    installLiteFetch();
    const withLite = await handler(event, lambdaContext());

    // Assess
    expect(Request).toBe(LiteRequest);
    expect(withLite).toEqual(withUndici);
  });

  it("serves a JSON POST in a fresh process without loading undici", () => {
    // Prepare
    const script = fileURLToPath(new URL("./fixtures/lite-fetch-app.ts", import.meta.url));
    const run = (liteFetch: "on" | "off") => {
      const child = spawnSync(process.execPath, ["--import", "tsx", script], {
        cwd: fileURLToPath(new URL("..", import.meta.url)),
        env: { ...process.env, LITE_FETCH: liteFetch },
        encoding: "utf8",
        timeout: 20_000,
      });
      expect(child.status, child.stderr).toBe(0);
      return JSON.parse(child.stdout) as {
        before: string[];
        after: string[];
        result: { statusCode: number };
      };
    };

    // Act
    const withLite = run("on");
    const control = run("off");

    // Assess
    expect(withLite.before).toEqual([]);
    expect(withLite.after).toEqual([]);
    expect(withLite.result).toEqual({
      statusCode: 201,
      body: JSON.stringify({ received: { cold: true }, tags: ["cold"], contentType: "application/json" }),
      isBase64Encoded: false,
      headers: { "content-type": "application/json", "x-served-by": "lite-fetch-test" },
      cookies: ["session=abc; Path=/; HttpOnly", "theme=dark; Path=/"],
    });
    // The same run without lite fetch does load undici, so the check above can fail.
    expect(control.after).toEqual(["NativeModule internal/deps/undici/undici"]);
    expect(control.result).toEqual(withLite.result);
  });
});
