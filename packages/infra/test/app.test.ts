import { Token } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { addStage } from "../src/meridian-app.ts";
import { stageConfig, testApp, WEB_ASSETS_DIR } from "./helpers.ts";

describe("stages and regions", () => {
  it("builds one stateful and one stateless stack per region, account-agnostic when no account is known", () => {
    // Arrange
    const app = testApp();

    // Act
    const stacks = addStage(app, stageConfig({ name: "multi", regions: ["us-east-1", "eu-west-1"] }), {
      webAssetsDir: WEB_ASSETS_DIR,
    });

    // Assess
    expect(app.node.children.map((c) => c.node.id).sort()).toEqual([
      "meridian-multi-stateful-eu-west-1",
      "meridian-multi-stateful-us-east-1",
      "meridian-multi-stateless-eu-west-1",
      "meridian-multi-stateless-us-east-1",
    ]);
    for (const { region, stateful, stateless } of stacks) {
      expect(stateful.region).toBe(region);
      expect(stateless.region).toBe(region);
      expect(Token.isUnresolved(stateful.account)).toBe(true);
      expect(stateful.stackName).toBe("meridian-multi-stateful");
      expect(stateless.stackName).toBe("meridian-multi-stateless");
      expect(stateless.dependencies).toContain(stateful);
      expect(stateful.terminationProtection).toBe(false);
    }
  });

  it("pins the account when the stage has one and protects prod stacks from deletion", () => {
    const app = testApp();
    const [stacks] = addStage(
      app,
      stageConfig({ kind: "prod", removalPolicy: "retain", logRetentionDays: 365, account: "123456789012" }),
      { webAssetsDir: WEB_ASSETS_DIR },
    );
    expect(stacks?.stateful.account).toBe("123456789012");
    expect(stacks?.stateful.terminationProtection).toBe(true);
    expect(stacks?.stateless.terminationProtection).toBe(true);
  });
});
