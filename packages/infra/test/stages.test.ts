import { describe, expect, it } from "vitest";
import {
  defineStage,
  namedStageConfigs,
  personal,
  resolveStage,
  type StageConfigInput,
  WAF_DEFAULTS,
} from "../src/config/stages.ts";

describe("stage config", () => {
  it("has dev, staging and prod with prod retained and alarm defaults", () => {
    // Act
    const stages = namedStageConfigs({});

    // Assess
    expect(stages.map((s) => [s.name, s.removalPolicy, s.frontDoor])).toEqual([
      ["dev", "destroy", "http-api"],
      ["staging", "destroy", "http-api"],
      ["prod", "retain", "http-api"],
    ]);
    for (const stage of stages) {
      expect(stage.alarms.http5xxPerMinute).toBe(150);
      expect(stage.account).toBeUndefined();
    }
  });

  it("defaults observability: tracing in prod only, INFO logs (DEBUG in personal stages), a 5-minute job", () => {
    // Act
    const [dev, staging, prod] = namedStageConfigs({});
    const alice = personal("alice", {});

    // Assess
    expect([dev, staging, prod, alice].map((s) => s?.tracing)).toEqual([false, false, true, false]);
    expect([dev, staging, prod, alice].map((s) => s?.logLevel)).toEqual(["INFO", "INFO", "INFO", "DEBUG"]);
    for (const stage of [dev, staging, prod, alice]) {
      expect(stage).toMatchObject({
        metricsJobPeriodMinutes: 5,
        alertEmails: [],
        alarms: {
          http5xxPerMinute: 150,
          p99LatencyMs: 1000,
          iteratorAgeSeconds: 60,
          oldestPendingOrderAgeSeconds: 300,
        },
      });
    }
    // An explicit setting wins over the kind's default.
    const base: StageConfigInput = {
      name: "x1",
      kind: "dev",
      regions: ["us-east-1"],
      removalPolicy: "destroy",
      logRetentionDays: 7,
    };
    expect(defineStage({ ...base, tracing: true }).tracing).toBe(true);
  });

  it("rejects a bad alert address, log level or job period", () => {
    const base: StageConfigInput = {
      name: "x1",
      kind: "dev",
      regions: ["us-east-1"],
      removalPolicy: "destroy",
      logRetentionDays: 7,
    };
    expect(() => defineStage({ ...base, alertEmails: ["not-an-address"] })).toThrow(/alertEmails/);
    expect(() => defineStage({ ...base, logLevel: "TRACE" } as never)).toThrow(/logLevel/);
    expect(() => defineStage({ ...base, metricsJobPeriodMinutes: 0 })).toThrow(/metricsJobPeriodMinutes/);
    expect(defineStage({ ...base, alertEmails: ["ops@example.com"] }).alertEmails).toEqual([
      "ops@example.com",
    ]);
  });

  it("makes any other name, or USER, a personal stage that is destroyed with its stack", () => {
    expect(resolveStage("Alice.Smith", {})).toMatchObject({ name: "alice-smith", kind: "personal" });
    expect(resolveStage(undefined, { USER: "bob", CDK_DEFAULT_REGION: "eu-west-1" })).toMatchObject({
      name: "bob",
      kind: "personal",
      regions: ["eu-west-1"],
      removalPolicy: "destroy",
    });
  });

  it("takes the account from CDK_DEFAULT_ACCOUNT when the CLI has credentials", () => {
    expect(resolveStage("dev", { CDK_DEFAULT_ACCOUNT: "123456789012" }).account).toBe("123456789012");
  });

  it("refuses localhost CORS origins in staging and prod unless the stage opts in; dev may list them", () => {
    const stage = (kind: "staging" | "prod" | "dev", extra: Partial<StageConfigInput> = {}) =>
      defineStage({
        name: kind,
        kind,
        regions: ["us-east-1"],
        logRetentionDays: 30,
        removalPolicy: "retain",
        ...extra,
      });
    const local = ["https://app.example.com", "http://localhost:3000"];

    expect(() => stage("staging", { corsOrigins: local })).toThrow(/corsOrigins: a staging or prod stage/);
    expect(() => stage("prod", { corsOrigins: ["http://127.0.0.1:5173"] })).toThrow(/allowLocalOrigins/);
    expect(stage("staging", { corsOrigins: local, allowLocalOrigins: true }).corsOrigins).toEqual(local);
    expect(stage("dev", { corsOrigins: local }).corsOrigins).toEqual(local);
    expect(stage("prod", { corsOrigins: ["https://localhost.example.com"] }).corsOrigins).toHaveLength(1);
  });

  it("caps prod's HTTP function with reserved concurrency", () => {
    const [dev, staging, prod] = namedStageConfigs({});
    expect(prod?.reservedConcurrency).toBe(200);
    expect([dev?.reservedConcurrency, staging?.reservedConcurrency]).toEqual([undefined, undefined]);
  });

  it("puts per-IP WAF limits on prod's REST API or ALB by default, on no other stage or front door", () => {
    const stage = (kind: "prod" | "staging", extra: Partial<StageConfigInput> = {}) =>
      defineStage({
        name: kind,
        kind,
        regions: ["us-east-1"],
        logRetentionDays: 30,
        removalPolicy: "retain",
        ...extra,
      });

    // Named stages: prod's default front door is the HTTP API, which cannot have a web ACL.
    expect(namedStageConfigs({}).map((s) => [s.name, s.frontDoor, s.waf])).toEqual([
      ["dev", "http-api", undefined],
      ["staging", "http-api", undefined],
      ["prod", "http-api", undefined],
    ]);
    expect(personal("alice", {}).waf).toBeUndefined();
    expect(stage("prod", { frontDoor: "rest-api" }).waf).toEqual(WAF_DEFAULTS);
    expect(stage("prod", { frontDoor: "alb" }).waf).toEqual({
      windowSeconds: 300,
      limitPerIp: 6000,
      publicRootLimitPerIp: 300,
    });
    expect(stage("prod", { frontDoor: "alb", waf: { enabled: false } }).waf).toBeUndefined();
    expect(stage("staging", { frontDoor: "rest-api" }).waf).toBeUndefined();
    // Asking for it: what is left out takes the defaults.
    expect(stage("staging", { frontDoor: "alb", waf: { windowSeconds: 60, limitPerIp: 500 } }).waf).toEqual({
      windowSeconds: 60,
      limitPerIp: 500,
      publicRootLimitPerIp: 300,
    });
  });

  it("refuses WAF on the HTTP API, and limits or windows AWS WAF does not accept", () => {
    const base: StageConfigInput = {
      name: "x1",
      kind: "dev",
      regions: ["us-east-1"],
      removalPolicy: "destroy",
      logRetentionDays: 7,
      frontDoor: "alb",
    };
    const httpApi =
      /waf: the HTTP API front door cannot be associated with a WAF web ACL: use frontDoor 'rest-api' or 'alb'/;
    expect(() => defineStage({ ...base, frontDoor: "http-api", waf: {} })).toThrow(httpApi);
    // The default front door is the HTTP API too.
    expect(() => defineStage({ ...base, frontDoor: undefined, waf: { limitPerIp: 100 } })).toThrow(httpApi);
    expect(defineStage({ ...base, frontDoor: "http-api", waf: { enabled: false } }).waf).toBeUndefined();

    expect(() => defineStage({ ...base, waf: { limitPerIp: 9, publicRootLimitPerIp: 5 } })).toThrow(
      /waf.limitPerIp/,
    );
    expect(() => defineStage({ ...base, waf: { publicRootLimitPerIp: 9 } })).toThrow(
      /waf.publicRootLimitPerIp/,
    );
    expect(() => defineStage({ ...base, waf: { limitPerIp: 1.5 } })).toThrow(/waf.limitPerIp/);
    expect(() => defineStage({ ...base, waf: { windowSeconds: 90 } } as never)).toThrow(/waf.windowSeconds/);
    expect(() => defineStage({ ...base, waf: { limitPerIp: 300, publicRootLimitPerIp: 300 } })).toThrow(
      /waf.publicRootLimitPerIp: the GET \/ limit must be below limitPerIp/,
    );
    expect(() => defineStage({ ...base, waf: { limitPerIP: 300 } } as never)).toThrow(
      /waf: Unrecognized key: "limitPerIP"/,
    );
    expect(() => defineStage({ ...base, waf: false } as never)).toThrow(
      /waf: Invalid input: expected object/,
    );
    expect(defineStage({ ...base, waf: { limitPerIp: 10_000, publicRootLimitPerIp: 10 } }).waf).toEqual({
      windowSeconds: 300,
      limitPerIp: 10_000,
      publicRootLimitPerIp: 10,
    });
  });

  it("refuses a prod stage that would destroy its data", () => {
    expect(() =>
      defineStage({
        name: "prod",
        kind: "prod",
        regions: ["us-east-1"],
        logRetentionDays: 365,
        removalPolicy: "destroy",
      }),
    ).toThrow(/removalPolicy: prod keeps its data/);
  });

  it("rejects typos and bad values with the field named", () => {
    const base: Omit<StageConfigInput, "logRetentionDays"> = {
      name: "x1",
      kind: "dev",
      regions: ["us-east-1"],
      removalPolicy: "destroy",
    };
    expect(() => defineStage({ ...base, logRetentionDays: 10 })).toThrow(/logRetentionDays/);
    expect(() => defineStage({ ...base, logRetentionDays: 7, regions: ["mars-1"] })).toThrow(/regions/);
    expect(() => defineStage({ ...base, logRetentionDays: 7, frontDor: "alb" } as never)).toThrow(/frontDor/);
    expect(() =>
      defineStage({
        ...base,
        logRetentionDays: 7,
        domain: { name: "api.example.com", certificateArns: {} },
      }),
    ).toThrow(/certificate ARN for every region/);
    expect(() => defineStage({ ...base, logRetentionDays: 7, orderLimits: { ordersPerMinute: 0 } })).toThrow(
      /orderLimits\.ordersPerMinute/,
    );
    expect(() => defineStage({ ...base, logRetentionDays: 7, orderLimits: { perDay: 3 } } as never)).toThrow(
      /orderLimits/,
    );
    expect(defineStage({ ...base, logRetentionDays: 7 }).orderLimits).toEqual({});
  });

  it("does not let a personal stage take a named stage's name", () => {
    expect(() => personal("prod", {})).toThrow(/cannot name a personal stage/);
  });
});
