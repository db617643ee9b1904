import { describe, expect, it } from "vitest";
import { compileFilters, FilterPatternError } from "../../src/streams/filter.ts";

const record = (eventName: string, newImage?: Record<string, unknown>) => ({
  eventName,
  eventSource: "aws:dynamodb",
  dynamodb: { Keys: { pk: { S: "o-1" } }, ...(newImage ? { NewImage: newImage } : {}) },
});

const order = (status: string, extra: Record<string, unknown> = {}) =>
  record("INSERT", { pk: { S: "o-1" }, status: { S: status }, ...extra });

describe("compileFilters (Lambda event filtering)", () => {
  it("passes everything without filters", () => {
    expect(compileFilters(undefined)(order("X"))).toBe(true);
    expect(compileFilters([])(order("X"))).toBe(true);
  });

  it("matches exact values, AND across keys, OR inside a list and across filters", () => {
    const keep = compileFilters([
      { eventName: ["INSERT"], dynamodb: { NewImage: { status: { S: ["PENDING", "RETRY"] } } } },
      { eventName: ["REMOVE"] },
    ]);
    expect(keep(order("PENDING"))).toBe(true);
    expect(keep(order("RETRY"))).toBe(true);
    expect(keep(order("DONE"))).toBe(false);
    expect(keep(record("MODIFY", { status: { S: "PENDING" } }))).toBe(false);
    expect(keep(record("REMOVE"))).toBe(true);
  });

  it("supports prefix, suffix and equals-ignore-case", () => {
    expect(compileFilters([{ dynamodb: { Keys: { pk: { S: [{ prefix: "o-" }] } } } }])(order("X"))).toBe(
      true,
    );
    expect(compileFilters([{ dynamodb: { Keys: { pk: { S: [{ prefix: "p-" }] } } } }])(order("X"))).toBe(
      false,
    );
    expect(compileFilters([{ dynamodb: { Keys: { pk: { S: [{ suffix: "-1" }] } } } }])(order("X"))).toBe(
      true,
    );
    const ignoreCase = compileFilters([
      { dynamodb: { NewImage: { status: { S: [{ "equals-ignore-case": "pending" }] } } } },
    ]);
    expect(ignoreCase(order("PENDING"))).toBe(true);
    const prefixIgnoreCase = compileFilters([
      { dynamodb: { NewImage: { status: { S: [{ prefix: { "equals-ignore-case": "pen" } }] } } } },
    ]);
    expect(prefixIgnoreCase(order("PENDING"))).toBe(true);
  });

  it("supports anything-but with a value, a list, a prefix; it needs the field to exist", () => {
    const notPending = compileFilters([
      { dynamodb: { NewImage: { status: { S: [{ "anything-but": "PENDING" }] } } } },
    ]);
    expect(notPending(order("DONE"))).toBe(true);
    expect(notPending(order("PENDING"))).toBe(false);
    expect(notPending(record("INSERT", {}))).toBe(false);
    const notList = compileFilters([
      { dynamodb: { NewImage: { status: { S: [{ "anything-but": ["A", "B"] }] } } } },
    ]);
    expect(notList(order("B"))).toBe(false);
    expect(notList(order("C"))).toBe(true);
    const notPrefix = compileFilters([
      { dynamodb: { NewImage: { status: { S: [{ "anything-but": { prefix: "PEN" } }] } } } },
    ]);
    expect(notPrefix(order("PENDING"))).toBe(false);
    expect(notPrefix(order("DONE"))).toBe(true);
  });

  it("compares numeric ranges against DynamoDB N strings", () => {
    const keep = compileFilters([
      { dynamodb: { NewImage: { qty: { N: [{ numeric: [">", 0, "<=", 5] }] } } } },
    ]);
    expect(keep(order("X", { qty: { N: "5" } }))).toBe(true);
    expect(keep(order("X", { qty: { N: "0" } }))).toBe(false);
    expect(keep(order("X", { qty: { N: "5.5" } }))).toBe(false);
    expect(keep(order("X", { qty: { S: "3" } }))).toBe(false);
    const equals = compileFilters([{ dynamodb: { NewImage: { qty: { N: [{ numeric: ["=", 100] }] } } } }]);
    expect(equals(order("X", { qty: { N: "100" } }))).toBe(true);
  });

  it("supports exists on leaf nodes, as Lambda documents", () => {
    const hasReason = compileFilters([{ dynamodb: { NewImage: { reason: { S: [{ exists: true }] } } } }]);
    expect(hasReason(order("X", { reason: { S: "OUT_OF_STOCK" } }))).toBe(true);
    expect(hasReason(order("X"))).toBe(false);
    const noReason = compileFilters([{ dynamodb: { NewImage: { reason: { S: [{ exists: false }] } } } }]);
    expect(noReason(order("X"))).toBe(true);
    expect(noReason(order("X", { reason: { S: "x" } }))).toBe(false);
    // On an intermediate node (the attribute map) exists:true does not match.
    const intermediate = compileFilters([{ dynamodb: { NewImage: { reason: [{ exists: true }] } } }]);
    expect(intermediate(order("X", { reason: { S: "x" } }))).toBe(false);
  });

  it("matches empty strings, null and booleans, and any element of a set", () => {
    expect(
      compileFilters([{ dynamodb: { NewImage: { note: { S: [""] } } } }])(order("X", { note: { S: "" } })),
    ).toBe(true);
    expect(
      compileFilters([{ dynamodb: { NewImage: { gone: { NULL: [true] } } } }])(
        order("X", { gone: { NULL: true } }),
      ),
    ).toBe(true);
    expect(
      compileFilters([{ dynamodb: { NewImage: { paid: { BOOL: [false] } } } }])(
        order("X", { paid: { BOOL: true } }),
      ),
    ).toBe(false);
    expect(
      compileFilters([{ dynamodb: { NewImage: { tags: { SS: ["b"] } } } }])(
        order("X", { tags: { SS: ["a", "b"] } }),
      ),
    ).toBe(true);
  });

  it("rejects invalid patterns when compiled", () => {
    expect(() => compileFilters([{ eventName: "INSERT" }])).toThrow(FilterPatternError);
    expect(() => compileFilters([{ eventName: [{ wildcard: "IN*" }] }])).toThrow(
      /unsupported filter operator "wildcard"/,
    );
    expect(() => compileFilters([{ x: [{ numeric: [">", "1"] }] }])).toThrow(FilterPatternError);
    expect(() => compileFilters([{ x: [{ exists: "yes" }] }])).toThrow(FilterPatternError);
    expect(() => compileFilters([{}])).toThrow(FilterPatternError);
  });
});
