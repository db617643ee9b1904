import { parseInput, RecordEpochBodySchema, toFieldIssues, ValidationError } from "@meridian/core";
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";

function issuesOf(schema: z.ZodMiniType, value: unknown, root = "(body)") {
  const result = schema.safeParse(value);
  if (result.success) throw new Error("the value was accepted");
  return toFieldIssues(result.error, root);
}

function validationErrorOf(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("no ValidationError was thrown");
}

const Order = z.strictObject({
  customer: z.strictObject({ name: z.string().check(z.minLength(1)), email: z.email() }),
  lines: z.array(z.strictObject({ sku: z.string(), qty: z.number().check(z.int(), z.minimum(1)) })),
});

describe("toFieldIssues", () => {
  it("names a nested field by its dotted path", () => {
    // Act
    const issues = issuesOf(Order, {
      customer: { name: "Ada", email: "nope" },
      lines: [{ sku: "A", qty: 0 }],
    });

    // Assess
    expect(issues.map((issue) => issue.field)).toEqual(["customer.email", "lines.0.qty"]);
    for (const issue of issues) expect(issue.message).not.toBe("");
  });

  it("names an unknown key at the top level and inside a nested object", () => {
    // Act
    const issues = issuesOf(Order, {
      customer: { name: "Ada", email: "ada@example.com", vip: true },
      lines: [],
      x: 1,
    });

    // Assess
    expect(issues.map((issue) => issue.field).sort()).toEqual(["customer.vip", "x"]);
  });

  it("names every unknown key when several are sent together", () => {
    // Act
    const issues = issuesOf(RecordEpochBodySchema, { label: "ok", foo: 1, bar: 2 });

    // Assess
    const text = issues.map((issue) => `${issue.field} ${issue.message}`).join("\n");
    expect(text).toContain("foo");
    expect(text).toContain("bar");
  });

  it("uses the root name when the whole value is wrong", () => {
    // Act
    const issues = issuesOf(RecordEpochBodySchema, [1, 2], "(body)");

    // Assess
    expect(issues).toHaveLength(1);
    expect(issues[0]?.field).toBe("(body)");
  });
});

describe("parseInput", () => {
  it("returns the parsed value (trimmed label)", () => {
    // Act
    const body = parseInput(RecordEpochBodySchema, { label: "  deploy  " }, "(body)");

    // Assess
    expect(body).toEqual({ label: "deploy" });
  });

  it("throws a ValidationError naming the field at fault", () => {
    // Act
    const error = validationErrorOf(() => parseInput(RecordEpochBodySchema, { label: "   " }, "(body)"));

    // Assess
    expect(error.status).toBe(400);
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.issues.map((issue) => issue.field)).toEqual(["label"]);
    expect(error.message).toMatch(/^label: /);
  });

  it("throws a ValidationError naming an unknown key", () => {
    // Act
    const error = validationErrorOf(() => parseInput(RecordEpochBodySchema, { lable: "typo" }, "(body)"));

    // Assess
    expect(error.issues).toEqual([{ field: "lable", message: expect.stringContaining("lable") }]);
  });

  it("names a too-long label and accepts one of exactly 128 characters", () => {
    // Act
    const error = validationErrorOf(() =>
      parseInput(RecordEpochBodySchema, { label: "x".repeat(129) }, "(body)"),
    );
    const ok = parseInput(RecordEpochBodySchema, { label: "x".repeat(128) }, "(body)");

    // Assess
    expect(error.issues[0]?.field).toBe("label");
    expect(ok.label).toHaveLength(128);
  });
});
