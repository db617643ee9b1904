import { createTableInputs, tableDefinitions, tableNames, timeToLiveInputs } from "@meridian/adapters";
import { describe, expect, it } from "vitest";
import { templatesFor } from "./helpers.ts";

interface KeyElement {
  AttributeName?: string;
  KeyType?: string;
}

interface Index {
  IndexName?: string;
  KeySchema?: KeyElement[];
  Projection?: { ProjectionType?: string };
}

/** What DynamoDB makes of a table, whoever created it: keys, attribute types, indexes, stream, TTL. */
function shapeOf(table: {
  AttributeDefinitions?: Array<{ AttributeName?: string; AttributeType?: string }>;
  KeySchema?: KeyElement[];
  GlobalSecondaryIndexes?: Index[];
  StreamSpecification?: { StreamViewType?: string };
  timeToLive?: string;
}) {
  return {
    attributes: Object.fromEntries(
      (table.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]),
    ),
    keys: table.KeySchema,
    indexes: Object.fromEntries(
      (table.GlobalSecondaryIndexes ?? []).map((i) => [
        i.IndexName,
        { keys: i.KeySchema, projection: i.Projection?.ProjectionType },
      ]),
    ),
    stream: table.StreamSpecification?.StreamViewType,
    timeToLive: table.timeToLive,
  };
}

describe("the tables", () => {
  it("are the same in the CDK app and the sandbox: both made from tableDefinitions", () => {
    // Arrange
    const names = tableNames("meridian-qa");
    const template = templatesFor({ name: "qa" }).stateful;
    const ttl = new Map(
      timeToLiveInputs(names).map((t) => [t.TableName, t.TimeToLiveSpecification?.AttributeName]),
    );

    // Act
    const sandbox = createTableInputs(names).map((input) => ({
      name: input.TableName,
      ...shapeOf({ ...input, timeToLive: ttl.get(input.TableName ?? "") }),
    }));
    const cdk = Object.values(template.findResources("AWS::DynamoDB::Table")).map(({ Properties: p }) => ({
      name: p.TableName,
      ...shapeOf({ ...p, timeToLive: p.TimeToLiveSpecification?.AttributeName }),
    }));

    // Assess: every table of the definitions, created alike by both, and nothing else.
    expect(sandbox.map((t) => t.name).sort()).toEqual(Object.values(names).sort());
    expect(cdk).toHaveLength(Object.keys(tableDefinitions).length);
    expect(cdk.sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      sandbox.sort((a, b) => String(a.name).localeCompare(String(b.name))),
    );
  });

  it("carry the orders stream and the TTL attribute the definitions give", () => {
    // Act
    const inputs = createTableInputs(tableNames("t"));
    const withTtl = timeToLiveInputs(tableNames("t")).map((t) => t.TableName);

    // Assess
    expect(inputs.find((t) => t.TableName === "t-orders")?.StreamSpecification).toEqual({
      StreamEnabled: true,
      StreamViewType: tableDefinitions.orders.stream,
    });
    expect(withTtl.sort()).toEqual(["t-catalog", "t-epochs", "t-orders"]);
  });
});
