import { isoDateTime, numberFromText, parseInput, ValidationError } from "@meridian/core";
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";

// The parts stand in for zod's own `z.coerce.number()` and `z.iso.datetime()` (kept out of Lambda bundles,
// see schema-parts.ts): same results, same messages, same JSON Schema.
const cases = [
  {
    part: numberFromText,
    zod: () => z.coerce.number(),
    inputs: ["3", "-1.5", "", " 7 ", "abc", "1e3", 42, null],
  },
  {
    part: isoDateTime,
    zod: () => z.iso.datetime(),
    inputs: [
      "2026-11-22T04:00:00.000Z",
      "2026-11-22T04:00:00Z",
      "2026-11-22",
      "2026-11-22T04:00:00+01:00",
      5,
    ],
  },
];

describe.each(cases)("$zod", ({ part, zod, inputs }) => {
  it.each(inputs)("treats %j as zod does", (input) => {
    const ours = z.object({ value: part() }).safeParse({ value: input });
    const theirs = z.object({ value: zod() }).safeParse({ value: input });

    expect(ours.success).toBe(theirs.success);
    expect(ours.data).toEqual(theirs.data);
    expect(ours.error?.issues.map((issue) => issue.message)).toEqual(
      theirs.error?.issues.map((issue) => issue.message),
    );
  });

  it("has zod's JSON Schema", () => {
    expect(z.toJSONSchema(part(), { io: "input" })).toEqual(z.toJSONSchema(zod(), { io: "input" }));
  });
});

it("numberFromText takes checks like any number schema, with English messages", () => {
  const limit = z.object({ limit: numberFromText().check(z.int(), z.minimum(1)) });

  expect(parseInput(limit, { limit: "25" }, "(query)")).toEqual({ limit: 25 });
  expect(() => parseInput(limit, { limit: "0" }, "(query)")).toThrow(ValidationError);
  expect(limit.safeParse({ limit: "0" }).error?.issues[0]?.message).toBe(
    "Too small: expected number to be >=1",
  );
});
