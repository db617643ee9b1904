import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OpenApiDocument } from "../src/routes/openapi-document.ts";
import { appOnDynamoDbLocal } from "./support/app.ts";

// The document the app serves at /openapi.json, checked as the tools that read it would: the OpenAPI 3.1
// schema (@seriousme/openapi-schema-validator), then every Schema Object against JSON Schema 2020-12, the
// dialect OpenAPI 3.1 uses (which the OpenAPI schema itself leaves unchecked: "object or boolean").
let doc: OpenApiDocument;
let close: () => void;

beforeAll(async () => {
  const built = await appOnDynamoDbLocal();
  close = built.close;
  doc = (await (await built.app.request("/openapi.json")).json()) as OpenApiDocument;
});
afterAll(() => close());

type SpecData = Parameters<Validator["validate"]>[0];

async function validate(document: unknown) {
  const validator = new Validator();
  const result = await validator.validate(structuredClone(document) as SpecData);
  return { ...result, validator };
}

/** Where each Schema Object of an operation sits, and the schema. */
function operationSchemas(document: OpenApiDocument): [string, object][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).flatMap(([method, op]) => {
      const at = `${method.toUpperCase()} ${path}`;
      return [
        ...(op.parameters ?? []).map((p): [string, object] => [`${at} ${p.in} ${p.name}`, p.schema]),
        ...Object.entries(op.requestBody?.content ?? {}).map(([type, c]): [string, object] => [
          `${at} body ${type}`,
          c.schema,
        ]),
        ...Object.entries(op.responses).flatMap(([status, r]) =>
          Object.entries(r.content ?? {}).map(([type, c]): [string, object] => [
            `${at} ${status} ${type}`,
            c.schema,
          ]),
        ),
      ];
    }),
  );
}

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document (and the validator refuses a broken one)", async () => {
    const broken = structuredClone(doc) as unknown as { paths: Record<string, Record<string, object>> };
    // A response without its required `description`.
    broken.paths["/epoch"] = { post: { responses: { 201: {} } } };

    const valid = await validate(doc);
    const invalid = await validate(broken);

    expect(valid.errors ?? []).toEqual([]);
    expect(valid.valid).toBe(true);
    expect(valid.validator.version).toBe("3.1");
    expect(invalid.valid).toBe(false);
  });

  it("has every $ref resolve", async () => {
    const { validator } = await validate(doc);

    expect(JSON.stringify(validator.resolveRefs())).not.toContain('"$ref"');
  });

  it("has every schema valid JSON Schema 2020-12: strict (no unknown keyword), known formats, valid patterns", () => {
    // The components under a base URI of their own, so that `#/components/schemas/X` can be resolved.
    const base = "https://meridian.invalid/openapi.json";
    const rebased = JSON.parse(
      JSON.stringify(doc).replaceAll('"#/components/schemas/', `"${base}#/$defs/`),
    ) as OpenApiDocument;
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ $id: base, $defs: rebased.components.schemas });
    const failures: string[] = [];
    const compile = (where: string, schema: object) => {
      try {
        ajv.compile(schema);
      } catch (error) {
        failures.push(`${where}: ${(error as Error).message}`);
      }
    };

    for (const name of Object.keys(rebased.components.schemas)) {
      compile(`components.schemas.${name}`, { $ref: `${base}#/$defs/${name}` });
    }
    const schemas = operationSchemas(rebased);
    for (const [where, schema] of schemas) compile(where, schema);
    compile("a control with an unknown keyword", { type: "string", maxLenght: 3 });

    expect(schemas.length).toBeGreaterThan(50);
    expect(failures).toEqual([expect.stringMatching(/^a control with an unknown keyword: strict mode/)]);
  });
});
