import { type TableNames, tableNames } from "@meridian/adapters";
import { SERVICE } from "@meridian/core";
import {
  type EnvironmentContract,
  httpEnvironment,
  imageProcessorEnvironment,
  metricsJobEnvironment,
  orderStreamEnvironment,
  PRE_TOKEN_SERVICE,
  preTokenEnvironment,
} from "@meridian/functions";
import { describe, expect, it } from "vitest";
import type { ZodMiniObject } from "zod/mini";
import { templatesFor } from "./helpers.ts";

/** Each function's own contract, by the service name its construct gives it (POWERTOOLS_SERVICE_NAME). */
const contracts: Record<string, EnvironmentContract<unknown, ZodMiniObject, object>> = {
  [SERVICE.http]: httpEnvironment,
  [SERVICE.orderStream]: orderStreamEnvironment,
  [SERVICE.metricsJob]: metricsJobEnvironment,
  [PRE_TOKEN_SERVICE]: preTokenEnvironment,
  [SERVICE.imageProcessor]: imageProcessorEnvironment,
};

/** What CloudFormation puts for the account (AWS::AccountId) in a name built from it. */
const ACCOUNT = "123456789012";

/** Set on every function for Powertools, read by no loader of ours. */
const NOT_OURS = new Set(["POWERTOOLS_SERVICE_NAME"]);

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/**
 * A deploy-time value (a table name, an ARN, a pool URL is a token at synth) as what CloudFormation will put
 * there: chosen by the resource type and attribute the token points at, never by the variable's name, so a
 * variable bound to the wrong kind of resource fails its loader.
 */
function standIn(value: unknown, own: Resources, stateful: Resources): string {
  if (typeof value === "string") return value;
  // A name or URL built from parts (the images bucket's name, the CDN's https:// URL).
  const join = (value as { "Fn::Join"?: [string, unknown[]] })["Fn::Join"];
  if (join) {
    return join[1]
      .map((part) =>
        (part as { Ref?: string }).Ref === "AWS::AccountId" ? ACCOUNT : standIn(part, own, stateful),
      )
      .join(join[0]);
  }
  const json = JSON.stringify(value);
  const target = referenceOf(value, own, stateful);
  if (!target) throw new Error(`no stand-in for ${json}`);
  const { resource, attribute } = target;
  const kind = `${resource.Type} ${attribute}`;
  switch (kind) {
    case "AWS::DynamoDB::Table Ref":
      return String(resource.Properties?.TableName);
    case "AWS::SecretsManager::Secret Ref":
      return `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${resource.Properties?.Name}-AbCdEf`;
    case "AWS::Cognito::UserPool ProviderURL":
      return "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_StandIn";
    case "AWS::Cognito::UserPoolClient Ref":
      return "26charactersappclientid000";
    case "AWS::CloudFront::Distribution DomainName":
      return "d111111abcdef8.cloudfront.net";
    default:
      throw new Error(`no stand-in for ${kind} (${json})`);
  }
}

/** The resource and attribute of a Ref, a GetAtt, or a stack output of the stateful stack read across stacks. */
function referenceOf(
  value: unknown,
  own: Resources,
  stateful: Resources,
): { resource: Resources[string]; attribute: string } | undefined {
  const token = value as {
    Ref?: string;
    "Fn::GetAtt"?: [string, string];
    "Fn::GetStackOutput"?: { OutputName: string };
  };
  const [ref, attribute] = token.Ref ? [token.Ref, "Ref"] : (token["Fn::GetAtt"] ?? []);
  if (ref && attribute) {
    const resource = own[ref];
    return resource && { resource, attribute };
  }
  // CDK names the output PublishOutput<Ref|FnGetAtt><logical id>[<attribute>]<hash>; logical ids end in a hash.
  const output = /^PublishOutput(Ref|FnGetAtt)(.+)[0-9A-F]{8}$/.exec(
    token["Fn::GetStackOutput"]?.OutputName ?? "",
  );
  const [, how, rest = ""] = output ?? [];
  const logicalId = Object.keys(stateful)
    .filter((candidate) => rest.startsWith(candidate))
    .sort((a, b) => b.length - a.length)[0];
  const resource = logicalId ? stateful[logicalId] : undefined;
  return resource && { resource, attribute: how === "Ref" ? "Ref" : rest.slice(logicalId?.length) };
}

/** The variables a contract's loader cannot do without: neither optional nor defaulted (zod's `optin`). */
function requiredVariables(contract: EnvironmentContract<unknown, ZodMiniObject, object>): string[] {
  return Object.entries(contract.schema().shape)
    .filter(([, schema]) => schema._zod.optin === undefined)
    .map(([name]) => name);
}

interface SynthesizedFunction {
  id: string;
  service: string;
  /** Its Environment Variables, tokens replaced by stand-ins. */
  env: Record<string, string>;
}

/** Every function of the stage's two stacks. */
function synthesizedFunctions(overrides: object): SynthesizedFunction[] {
  const templates = templatesFor(overrides);
  const stateful = templates.stateful.toJSON().Resources as Resources;
  return [templates.stateful, templates.stateless].flatMap((template) => {
    const own = template.toJSON().Resources as Resources;
    return (
      Object.entries(template.findResources("AWS::Lambda::Function"))
        // aws-cdk-lib's own function that writes the images bucket's notification configuration at deploy
        // time reads no variable of ours (and has none); nor does its BucketDeployment handler, which copies
        // the web dashboard's files (its only variable is the AWS CLI's CA bundle).
        .filter(([id, fn]) => !(id.startsWith("BucketNotificationsHandler") && !fn.Properties.Environment))
        .filter(
          ([id, fn]) =>
            !(
              id.startsWith("CustomCDKBucketDeployment") &&
              Object.keys(fn.Properties.Environment?.Variables ?? {}).join() === "AWS_CA_BUNDLE"
            ),
        )
        .map(([id, fn]) => {
          const variables: Record<string, unknown> = fn.Properties.Environment?.Variables ?? {};
          return {
            id,
            service: String(variables.POWERTOOLS_SERVICE_NAME),
            env: Object.fromEntries(
              Object.entries(variables).map(([name, value]) => [name, standIn(value, own, stateful)]),
            ),
          };
        })
    );
  });
}

const PROD = {
  kind: "prod",
  removalPolicy: "retain",
  logRetentionDays: 365,
  tracing: true,
  orderLimits: { openOrdersPerDay: 4, unitsPerProductPerDay: 9, ordersPerMinute: 2 },
  metricsJobPeriodMinutes: 10,
} as const;

const VARIANTS = {
  "a dev stage": {},
  "a prod stage with tracing, order limits and a slower metrics job": PROD,
};

describe.each(Object.entries(VARIANTS))("the environment of every function of %s", (_name, overrides) => {
  it("parses with that function's own loader, with every variable it requires and none it ignores", () => {
    // Arrange
    const names: TableNames = tableNames("meridian-test");

    // Act
    const functions = synthesizedFunctions(overrides);

    // Assess: one function per contract, each one's environment read by its own loader.
    expect(functions.map((fn) => fn.service).sort()).toEqual(Object.keys(contracts).sort());
    for (const { id, service, env } of functions) {
      const contract = contracts[service];
      if (!contract) throw new Error(`${id}: no environment contract for service ${service}`);
      const read = Object.keys(contract.schema().shape);
      const missing = requiredVariables(contract).filter((name) => !(name in env));
      const unread = Object.keys(env).filter((name) => !read.includes(name) && !NOT_OURS.has(name));
      expect({ id, missing, unread }).toEqual({ id, missing: [], unread: [] });

      const config = contract.load(env) as { tables?: Partial<TableNames> };
      // Each table variable holds the name of the table it is named for, not another one.
      for (const [key, name] of Object.entries(config.tables ?? {})) {
        expect({ id, key, name }).toEqual({ id, key, name: names[key as keyof TableNames] });
      }
    }
  });
});

describe("the functions' configuration", () => {
  it("carries the stage's order limits, tracing and metrics period, and the secret's ARN", () => {
    // Act
    const envOf = (service: string) => {
      const fn = synthesizedFunctions(PROD).find((f) => f.service === service);
      if (!fn) throw new Error(`no ${service} function`);
      return fn.env;
    };
    const http = httpEnvironment.load(envOf(SERVICE.http));
    const metricsJob = metricsJobEnvironment.load(envOf(SERVICE.metricsJob));

    // Assess
    expect(http.orderLimits).toEqual({ openOrdersPerDay: 4, unitsPerProductPerDay: 9, ordersPerMinute: 2 });
    expect(http.tracingEnabled).toBe(true);
    expect(http.appSecret).toEqual({ arn: expect.stringMatching(/^arn:aws:secretsmanager:/) });
    expect(http.jwt.issuer).toBe("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_StandIn");
    expect(metricsJob.intervalMs).toBe(600_000);
  });

  it("gives the HTTP function and the image processor the images bucket, and the processor the CDN's URL", () => {
    // Act
    const envOf = (service: string) => {
      const fn = synthesizedFunctions({}).find((f) => f.service === service);
      if (!fn) throw new Error(`no ${service} function`);
      return fn.env;
    };
    const http = httpEnvironment.load(envOf(SERVICE.http));
    const processor = imageProcessorEnvironment.load(envOf(SERVICE.imageProcessor));

    // Assess: the bucket's name as the stateful stack gives it (config/naming.ts), in both.
    const bucket = `meridian-test-img-${ACCOUNT}-eu-west-1`;
    expect(http.images).toEqual({ bucket });
    expect(processor.images).toEqual({ bucket, publicUrl: "https://d111111abcdef8.cloudfront.net" });
    expect(processor.tables).toEqual({ catalog: "meridian-test-catalog" });
    const stateful = templatesFor({}).stateful;
    stateful.hasResourceProperties("AWS::S3::Bucket", {
      BucketName: { "Fn::Join": ["", ["meridian-test-img-", { Ref: "AWS::AccountId" }, "-eu-west-1"]] },
    });
  });
});
