import { describe, expect, it } from "vitest";
import { compileFilters, FilterPatternError } from "../../src/streams/filter.ts";

/**
 * Each operator is checked against the example the Lambda Developer Guide gives for it: the table
 * "Filter rule syntax" of https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
 * (rules over plain event fields) and the DynamoDB examples of that page and of
 * https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html (rules under `dynamodb`).
 */
const matches = (pattern: object, event: unknown) => compileFilters([pattern])(event);

/** A stream record of the DynamoDB guide's table (primary key CustomerName) with a new image. */
const customer = (newImage: Record<string, unknown>) => ({
  eventID: "1",
  eventVersion: "1.0",
  eventName: "INSERT",
  dynamodb: {
    ApproximateCreationDateTime: 1678831218,
    Keys: { CustomerName: { S: "AnyCompany Industries" } },
    NewImage: { CustomerName: { S: "AnyCompany Industries" }, ...newImage },
    SequenceNumber: "111",
    SizeBytes: 26,
    StreamViewType: "NEW_IMAGE",
  },
});

describe("compileFilters: the filter rule syntax table of the Lambda guide", () => {
  it("Null: UserID is null", () => {
    const rule = { UserID: [null] };
    expect(matches(rule, { UserID: null })).toBe(true);
    expect(matches(rule, { UserID: "u-1" })).toBe(false);
    // A missing field is not null: the event must contain every field the filter names.
    expect(matches(rule, {})).toBe(false);
  });

  it("Empty: LastName is empty", () => {
    const rule = { LastName: [""] };
    expect(matches(rule, { LastName: "" })).toBe(true);
    expect(matches(rule, { LastName: "Doe" })).toBe(false);
    expect(matches(rule, {})).toBe(false);
  });

  it('Equals: Name is "Alice", character by character without case folding', () => {
    const rule = { Name: ["Alice"] };
    expect(matches(rule, { Name: "Alice" })).toBe(true);
    expect(matches(rule, { Name: "alice" })).toBe(false);
    expect(matches(rule, { Name: "Alice " })).toBe(false);
  });

  it('And: Location is "New York" and Day is "Monday"', () => {
    const rule = { Location: ["New York"], Day: ["Monday"] };
    expect(matches(rule, { Location: "New York", Day: "Monday" })).toBe(true);
    expect(matches(rule, { Location: "New York", Day: "Tuesday" })).toBe(false);
    expect(matches(rule, { Location: "New York" })).toBe(false);
  });

  it('Or: PaymentType is "Credit" or "Debit"', () => {
    const rule = { PaymentType: ["Credit", "Debit"] };
    expect(matches(rule, { PaymentType: "Credit" })).toBe(true);
    expect(matches(rule, { PaymentType: "Debit" })).toBe(true);
    expect(matches(rule, { PaymentType: "Cash" })).toBe(false);
  });

  it('Not: Weather is anything but "Raining"', () => {
    const rule = { Weather: [{ "anything-but": ["Raining"] }] };
    expect(matches(rule, { Weather: "Sunny" })).toBe(true);
    expect(matches(rule, { Weather: "Raining" })).toBe(false);
    expect(matches(rule, {})).toBe(false);
    // EventBridge's single-value form, which Lambda's syntax follows.
    expect(matches({ Weather: [{ "anything-but": "Raining" }] }, { Weather: "Raining" })).toBe(false);
  });

  it("Numeric (equals): Price is 100", () => {
    const rule = { Price: [{ numeric: ["=", 100] }] };
    expect(matches(rule, { Price: 100 })).toBe(true);
    expect(matches(rule, { Price: 100.5 })).toBe(false);
  });

  it("Numeric (range): Price is more than 10, and less than or equal to 20", () => {
    const rule = { Price: [{ numeric: [">", 10, "<=", 20] }] };
    expect(matches(rule, { Price: 10 })).toBe(false);
    expect(matches(rule, { Price: 10.01 })).toBe(true);
    expect(matches(rule, { Price: 20 })).toBe(true);
    expect(matches(rule, { Price: 21 })).toBe(false);
    expect(matches(rule, { Price: "cheap" })).toBe(false);
  });

  it("Exists and Does not exist: ProductName", () => {
    expect(matches({ ProductName: [{ exists: true }] }, { ProductName: "Widget" })).toBe(true);
    expect(matches({ ProductName: [{ exists: true }] }, {})).toBe(false);
    expect(matches({ ProductName: [{ exists: false }] }, {})).toBe(true);
    expect(matches({ ProductName: [{ exists: false }] }, { ProductName: "Widget" })).toBe(false);
  });

  it("Begins with: Region is in the US", () => {
    const rule = { Region: [{ prefix: "us-" }] };
    expect(matches(rule, { Region: "us-east-1" })).toBe(true);
    expect(matches(rule, { Region: "eu-west-1" })).toBe(false);
    expect(matches(rule, { Region: 1 })).toBe(false);
  });
});

describe("compileFilters: the guide's DynamoDB examples", () => {
  it("multi-level filtering: the key Id whose N is 101", () => {
    const rule = { dynamodb: { Keys: { Id: { N: ["101"] } } } };
    const record = (id: string) => ({
      dynamodb: {
        Keys: { Id: { N: id } },
        NewImage: { Message: { S: "New item!" }, Id: { N: id } },
        SequenceNumber: "111",
        SizeBytes: 26,
        StreamViewType: "NEW_AND_OLD_IMAGES",
      },
    });
    expect(matches(rule, record("101"))).toBe(true);
    expect(matches(rule, record("102"))).toBe(false);
  });

  it('table keys: CustomerName is "AnyCompany Industries"', () => {
    const rule = { dynamodb: { Keys: { CustomerName: { S: ["AnyCompany Industries"] } } } };
    expect(matches(rule, customer({}))).toBe(true);
    const other = customer({});
    other.dynamodb.Keys.CustomerName.S = "Example Corp";
    expect(matches(rule, other)).toBe(false);
  });

  it('table attributes: AccountManager in the new image is "Pat Candella" or "Shirley Rodriguez"', () => {
    const rule = {
      dynamodb: { NewImage: { AccountManager: { S: ["Pat Candella", "Shirley Rodriguez"] } } },
    };
    expect(matches(rule, customer({ AccountManager: { S: "Pat Candella" } }))).toBe(true);
    expect(matches(rule, customer({ AccountManager: { S: "Shirley Rodriguez" } }))).toBe(true);
    expect(matches(rule, customer({ AccountManager: { S: "Jane Doe" } }))).toBe(false);
    expect(matches(rule, customer({}))).toBe(false);
  });

  it("numeric rules compare DynamoDB N strings as numbers; an S attribute is no number", () => {
    const rule = { dynamodb: { NewImage: { qty: { N: [{ numeric: [">", 0, "<=", 5] }] } } } };
    expect(matches(rule, customer({ qty: { N: "5" } }))).toBe(true);
    expect(matches(rule, customer({ qty: { N: "0" } }))).toBe(false);
    expect(matches(rule, customer({ qty: { N: "5.5" } }))).toBe(false);
    expect(matches(rule, customer({ qty: { S: "3" } }))).toBe(false);
  });

  it("exists works on leaf nodes only: on the attribute map it does not match", () => {
    const leaf = { dynamodb: { NewImage: { PaymentTerms: { S: [{ exists: true }] } } } };
    expect(matches(leaf, customer({ PaymentTerms: { S: "60 days" } }))).toBe(true);
    expect(matches(leaf, customer({}))).toBe(false);
    const map = { dynamodb: { NewImage: { PaymentTerms: [{ exists: true }] } } };
    expect(matches(map, customer({ PaymentTerms: { S: "60 days" } }))).toBe(false);
    const absent = { dynamodb: { NewImage: { PaymentTerms: { S: [{ exists: false }] } } } };
    expect(matches(absent, customer({}))).toBe(true);
  });

  it("matches BOOL, NULL and any element of a set", () => {
    expect(
      matches({ dynamodb: { NewImage: { paid: { BOOL: [true] } } } }, customer({ paid: { BOOL: true } })),
    ).toBe(true);
    expect(
      matches({ dynamodb: { NewImage: { paid: { BOOL: [false] } } } }, customer({ paid: { BOOL: true } })),
    ).toBe(false);
    expect(
      matches({ dynamodb: { NewImage: { gone: { NULL: [true] } } } }, customer({ gone: { NULL: true } })),
    ).toBe(true);
    expect(
      matches({ dynamodb: { NewImage: { tags: { SS: ["b"] } } } }, customer({ tags: { SS: ["a", "b"] } })),
    ).toBe(true);
  });

  it("ORs several filters; no filters passes everything (the order stream's own filter)", () => {
    const keep = compileFilters([
      { eventName: ["INSERT"], dynamodb: { NewImage: { status: { S: ["PENDING"] } } } },
      { eventName: ["REMOVE"] },
    ]);
    expect(keep(customer({ status: { S: "PENDING" } }))).toBe(true);
    expect(keep(customer({ status: { S: "CONFIRMED" } }))).toBe(false);
    expect(keep({ ...customer({ status: { S: "PENDING" } }), eventName: "MODIFY" })).toBe(false);
    expect(keep({ eventName: "REMOVE" })).toBe(true);
    expect(compileFilters(undefined)({ eventName: "MODIFY" })).toBe(true);
    expect(compileFilters([])({ eventName: "MODIFY" })).toBe(true);
  });
});

describe("compileFilters: invalid or unsupported patterns", () => {
  it("rejects malformed patterns when compiled, as CreateEventSourceMapping does", () => {
    expect(() => compileFilters([{ eventName: "INSERT" }])).toThrow(FilterPatternError);
    expect(() => compileFilters([{ x: [{ numeric: [">", "1"] }] }])).toThrow(FilterPatternError);
    expect(() => compileFilters([{ x: [{ numeric: [">"] }] }])).toThrow(FilterPatternError);
    expect(() => compileFilters([{ x: [{ exists: "yes" }] }])).toThrow(FilterPatternError);
    expect(() => compileFilters([{ x: [{ prefix: 1 }] }])).toThrow(FilterPatternError);
    expect(() => compileFilters([{ x: [{ "anything-but": [{ a: 1 }] }] }])).toThrow(FilterPatternError);
    expect(() => compileFilters([{}])).toThrow(FilterPatternError);
    expect(() => compileFilters([{ $or: [{ Location: ["New York"] }, { Day: ["Monday"] }] }])).toThrow(
      FilterPatternError,
    );
  });

  it.each([
    [{ suffix: ".png" }],
    [{ "equals-ignore-case": "alice" }],
    [{ "anything-but": { prefix: "us-" } }],
    [{ wildcard: "IN*" }],
    [{ cidr: "10.0.0.0/24" }],
  ])("refuses the operator of %j, which the sandbox does not implement", (rule) => {
    expect(() => compileFilters([{ x: [rule] }])).toThrow(FilterPatternError);
  });
});
