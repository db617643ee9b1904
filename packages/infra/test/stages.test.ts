import { describe, expect, it } from "vitest";
import {
  defineStage,
  namedStageConfigs,
  personal,
  resolveStage,
  type StageConfigInput,
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
  });

  it("does not let a personal stage take a named stage's name", () => {
    expect(() => personal("prod", {})).toThrow(/cannot name a personal stage/);
  });
});
