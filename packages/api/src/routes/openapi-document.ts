/**
 * The OpenAPI 3.1 document, built from the routes' own definitions with zod's JSON Schema conversion
 * (OpenAPI 3.1 schemas are JSON Schema 2020-12). Loaded and run on the first request for the document,
 * never on a cold start that serves anything else.
 */
import * as z from "zod/mini";
import { type Content, errorResponse, type RouteConfig, UNAVAILABLE_DESCRIPTION } from "./route.ts";

type JsonSchema = Record<string, unknown> & {
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
};

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, unknown> };
}

export interface Operation {
  summary: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
}

export interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

const COMPONENT_REF = "#/components/schemas/";

/**
 * zod describes every object as closed (`additionalProperties: false`) on the output side, since parsing
 * drops unknown keys; a response documented that way tells generated clients to reject any field a later
 * version adds. Only strict objects (which reject unknown keys) stay closed.
 */
const openObjects: NonNullable<z.core.ToJSONSchemaParams["override"]> = ({ zodSchema, jsonSchema }) => {
  if (zodSchema._zod.def.type === "object" && zodSchema._zod.def.catchall === undefined) {
    delete jsonSchema.additionalProperties;
  }
};

/**
 * Converts zod schemas to JSON Schema. A schema registered with an `id` (`z.meta({ id })`) becomes a
 * component and is referenced wherever it appears; the rest are inlined.
 */
class SchemaConverter {
  readonly components: Record<string, JsonSchema> = {};

  convert(schema: z.ZodMiniType | Record<string, unknown>, io: "input" | "output"): JsonSchema {
    if (!("_zod" in schema)) return schema as JsonSchema;
    const json = z.toJSONSchema(schema as z.ZodMiniType, {
      io,
      unrepresentable: "any",
      override: openObjects,
    });
    // zod puts named schemas in `$defs` and refers to `#/$defs/<id>`: move them to the components.
    const {
      $schema: _,
      $defs,
      ...rest
    } = JSON.parse(JSON.stringify(json).replaceAll('"#/$defs/', `"${COMPONENT_REF}`)) as JsonSchema & {
      $defs?: Record<string, JsonSchema>;
    };
    for (const [id, def] of Object.entries($defs ?? {})) this.components[id] ??= def;
    return rest;
  }

  content(content: Content, io: "input" | "output") {
    return Object.fromEntries(
      Object.entries(content).map(([type, { schema }]) => [type, { schema: this.convert(schema, io) }]),
    );
  }

  parameters(where: Parameter["in"], schema: z.ZodMiniType | undefined): Parameter[] {
    if (!schema) return [];
    const json = this.convert(schema, "input");
    return Object.entries(json.properties ?? {}).map(([name, { description, ...property }]) => ({
      name,
      in: where,
      required: where === "path" || (json.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: property,
    }));
  }
}

/** The route's own 503, if it has one, followed by what a 503 means anywhere. */
function unavailable(route: RouteConfig) {
  const own = route.responses[503];
  return {
    ...(own ?? errorResponse("")),
    description: own ? `${own.description}. ${UNAVAILABLE_DESCRIPTION}` : UNAVAILABLE_DESCRIPTION,
  };
}

/**
 * What `jsonBody` answers before any route with a body runs: documented on each of them, under what the route
 * itself says of these statuses.
 */
const bodyErrors = () => ({
  400: errorResponse("Malformed JSON or a field violates the schema"),
  413: errorResponse("Body over 64 KiB"),
  415: errorResponse("Body is not application/json"),
});

function operation(route: RouteConfig, schemas: SchemaConverter): Operation {
  const { request } = route;
  const parameters = [
    ...schemas.parameters("path", request?.params),
    ...schemas.parameters("query", request?.query),
    ...schemas.parameters("header", request?.headers),
  ];
  return {
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(route.security ? { security: route.security } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(request?.body
      ? {
          requestBody: {
            required: request.body.required ?? true,
            content: schemas.content({ "application/json": { schema: request.body.schema } }, "input"),
          },
        }
      : {}),
    responses: Object.fromEntries(
      Object.entries({
        ...(request?.body ? bodyErrors() : {}),
        ...route.responses,
        ...(route.callsNoDependency ? {} : { 503: unavailable(route) }),
      }).map(([status, { description, content }]) => [
        status,
        { description, ...(content ? { content: schemas.content(content, "output") } : {}) },
      ]),
    ),
  };
}

/** The document for `routes`, with the given info and security schemes. */
export function openApiDocument(
  routes: RouteConfig[],
  info: OpenApiDocument["info"],
  securitySchemes: Record<string, unknown>,
): OpenApiDocument {
  const schemas = new SchemaConverter();
  const paths: OpenApiDocument["paths"] = {};
  for (const route of routes) {
    paths[route.path] = { ...paths[route.path], [route.method]: operation(route, schemas) };
  }
  return { openapi: "3.1.0", info, paths, components: { schemas: schemas.components, securitySchemes } };
}
