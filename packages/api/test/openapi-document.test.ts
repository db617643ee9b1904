import { numberFromText } from "@meridian/core";
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { openApiDocument } from "../src/routes/openapi-document.ts";
import { type RouteConfig, UNAVAILABLE_DESCRIPTION } from "../src/routes/route.ts";

const Thing = z.lazy(() =>
  z
    .object({
      id: z.uuid().check(z.describe("The thing's id")),
      size: z._default(z.number().check(z.int()), 1),
    })
    .check(z.meta({ id: "Thing" })),
);
const ThingPage = z
  .object({ items: z.array(Thing), next: z.nullable(z.string()) })
  .check(z.meta({ id: "ThingPage" }));
const NewThing = z.strictObject({ size: z._default(z.number(), 1) }).check(z.meta({ id: "NewThing" }));

const routes: RouteConfig[] = [
  {
    method: "get",
    path: "/things/{id}",
    summary: "One thing",
    request: {
      params: z.object({ id: z.uuid() }),
      // Built on first use, as the app's schemas are.
      query: z.lazy(() =>
        z.object({
          limit: z._default(numberFromText().check(z.describe("Page size")), 25),
          q: z.string(),
        }),
      ),
      headers: z.object({ "idempotency-key": z.optional(z.string()) }),
    },
    responses: {
      200: { description: "Found", content: { "application/json": { schema: Thing } } },
      204: { description: "Nothing" },
    },
  },
  {
    method: "post",
    path: "/things",
    summary: "Make one",
    description: "Makes a thing",
    security: [{ ApiKey: [] }],
    request: { body: { required: false, schema: NewThing } },
    responses: {
      201: {
        description: "Made",
        content: {
          "application/json": { schema: ThingPage },
          "text/html": { schema: { type: "string" } },
        },
      },
    },
  },
  { method: "get", path: "/things", summary: "All", responses: { 200: { description: "All" } } },
];

const info = { title: "Things", version: "1.0.0" };
const doc = openApiDocument(routes, info, { ApiKey: { type: "apiKey", in: "header", name: "x-api-key" } });

describe("openApiDocument", () => {
  it("lists every route under its OpenAPI path and method, with info and security schemes", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info).toEqual(info);
    expect(Object.keys(doc.paths)).toEqual(["/things/{id}", "/things"]);
    expect(Object.keys(doc.paths["/things"] ?? {})).toEqual(["post", "get"]);
    expect(doc.components.securitySchemes).toEqual({
      ApiKey: { type: "apiKey", in: "header", name: "x-api-key" },
    });
    expect(doc.paths["/things"]?.post).toMatchObject({
      summary: "Make one",
      description: "Makes a thing",
      security: [{ ApiKey: [] }],
    });
  });

  it("makes named schemas components, referenced wherever they appear, nested ones too", () => {
    const get = doc.paths["/things/{id}"]?.get;
    expect(get?.responses["200"]?.content?.["application/json"]?.schema).toEqual({
      $ref: "#/components/schemas/Thing",
    });
    expect(doc.components.schemas.ThingPage?.properties?.items).toEqual({
      type: "array",
      items: { $ref: "#/components/schemas/Thing" },
    });
    expect(doc.components.schemas.Thing?.properties?.id).toMatchObject({
      type: "string",
      format: "uuid",
      description: "The thing's id",
    });
    expect(JSON.stringify(doc)).not.toContain("$defs");
    expect(JSON.stringify(doc)).not.toContain("$schema");
  });

  it("describes request bodies as input (defaults optional) and responses as output (defaults present)", () => {
    expect(doc.components.schemas.NewThing?.required ?? []).not.toContain("size");
    expect(doc.components.schemas.NewThing?.additionalProperties).toBe(false);
    expect(doc.components.schemas.Thing?.required).toEqual(["id", "size"]);
    // A response object stays open (a later version may add fields); a strict object stays closed.
    expect(doc.components.schemas.Thing).not.toHaveProperty("additionalProperties");
    expect(doc.components.schemas.ThingPage).not.toHaveProperty("additionalProperties");
    expect(doc.paths["/things"]?.post?.requestBody).toEqual({
      required: false,
      content: { "application/json": { schema: { $ref: "#/components/schemas/NewThing" } } },
    });
  });

  it("turns path, query and header objects into parameters, with required and description", () => {
    const parameters = doc.paths["/things/{id}"]?.get?.parameters ?? [];
    expect(parameters.map(({ name, in: where, required }) => ({ name, where, required }))).toEqual([
      { name: "id", where: "path", required: true },
      { name: "limit", where: "query", required: false },
      { name: "q", where: "query", required: true },
      { name: "idempotency-key", where: "header", required: false },
    ]);
    expect(parameters[1]).toMatchObject({
      description: "Page size",
      schema: { type: "number", default: 25 },
    });
    expect(parameters[1]?.schema).not.toHaveProperty("description");
  });

  it("keeps a JSON Schema given as is and leaves out what a route does not have", () => {
    expect(doc.paths["/things"]?.post?.responses["201"]?.content?.["text/html"]).toEqual({
      schema: { type: "string" },
    });
    expect(doc.paths["/things/{id}"]?.get?.responses["204"]).toEqual({ description: "Nothing" });
    expect(doc.paths["/things"]?.get).toEqual({
      summary: "All",
      responses: {
        200: { description: "All" },
        503: expect.objectContaining({ description: UNAVAILABLE_DESCRIPTION }),
      },
    });
  });
});

describe("openApiDocument: 503", () => {
  it("is on every operation but one that calls no dependency", () => {
    const reads: RouteConfig = { method: "get", path: "/reads", summary: "Reads", responses: {} };
    const live: RouteConfig = { ...reads, path: "/live", callsNoDependency: true };

    const { paths } = openApiDocument([reads, live], info, {});

    expect(Object.keys(paths["/reads"]?.get?.responses ?? {})).toEqual(["503"]);
    expect(paths["/live"]?.get?.responses).toEqual({});
  });
});
