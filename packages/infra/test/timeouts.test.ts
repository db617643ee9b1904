import {
  BUDGETS,
  type Budgets,
  budgetProblems,
  COGNITO_TRIGGER_LIMIT_MS,
  orderStreamWorstCaseMs,
} from "@meridian/core";
import { describe, expect, it } from "vitest";
import { templatesFor } from "./helpers.ts";

/** Timeout (seconds) of the function whose description starts with `what`. */
function timeoutOf(template: ReturnType<typeof templatesFor>["stateful"], what: RegExp): number {
  const fn = Object.values(template.findResources("AWS::Lambda::Function")).find((f) =>
    what.test(String(f.Properties.Description)),
  );
  if (!fn) throw new Error(`no function matching ${what}`);
  return fn.Properties.Timeout as number;
}

describe("timeouts derived from the budgets", () => {
  it("give each function more time than its code's own deadline, and the front door more than the function", () => {
    // Act
    const httpApi = templatesFor({}).stateless;
    const restApi = templatesFor({ frontDoor: "rest-api" }).stateless;

    // Assess
    const http = timeoutOf(httpApi, /HTTP API/);
    expect(http * 1000).toBeGreaterThan(BUDGETS.http.requestMs);
    expect(timeoutOf(httpApi, /reserves stock/) * 1000).toBeGreaterThan(orderStreamWorstCaseMs());
    expect(timeoutOf(httpApi, /publishes data metrics/) * 1000).toBeGreaterThan(BUDGETS.metricsJob.runMs);
    // The processor fails an event itself at its deadline, before Lambda would stop it.
    expect(timeoutOf(httpApi, /checks uploaded product images/) * 1000).toBeGreaterThan(
      BUDGETS.imageProcessor.eventMs,
    );
    // The trigger answers (without the admin group) after its lookup's deadline, within what Cognito waits.
    const preToken = timeoutOf(templatesFor({}).stateful, /pre token generation/) * 1000;
    expect(preToken).toBeGreaterThan(BUDGETS.preToken.lookupMs);
    expect(preToken).toBeLessThanOrEqual(COGNITO_TRIGGER_LIMIT_MS);
    const [integration] = Object.values(httpApi.findResources("AWS::ApiGatewayV2::Integration"));
    // A cold start's init (reading the secret) counts against the integration timeout too.
    expect(integration?.Properties.TimeoutInMillis).toBeGreaterThan(http * 1000 + BUDGETS.secret.totalMs);
    expect(integration?.Properties.TimeoutInMillis).toBeLessThanOrEqual(30_000);
    const methods = Object.values(restApi.findResources("AWS::ApiGateway::Method")).filter(
      (m) => m.Properties.Integration?.Type === "AWS_PROXY",
    );
    expect(methods.length).toBeGreaterThan(0);
    for (const method of methods) {
      expect(method.Properties.Integration.TimeoutInMillis - BUDGETS.secret.totalMs).toBeGreaterThan(
        timeoutOf(restApi, /HTTP API/) * 1000,
      );
      expect(method.Properties.Integration.TimeoutInMillis).toBeLessThanOrEqual(29_000);
    }
  });

  it("keep their rules: a call fits in the request, the JWKS fetch too, a job's call in its run, the trigger's lookup in Cognito's wait", () => {
    const broken: Budgets = {
      ...BUDGETS,
      http: {
        ...BUDGETS.http,
        call: { ...BUDGETS.http.call, totalMs: BUDGETS.http.requestMs },
        jwksMs: 10_000,
      },
      secret: { ...BUDGETS.secret, attemptTimeoutMs: BUDGETS.secret.totalMs + 1 },
      preToken: { ...BUDGETS.preToken, lookupMs: COGNITO_TRIGGER_LIMIT_MS },
    };

    expect(budgetProblems()).toEqual([]);
    expect(budgetProblems(broken)).toEqual([
      "secret.attemptTimeoutMs must not exceed totalMs",
      "http.call.totalMs must be below http.requestMs: one stalled call answers 503 before the deadline",
      "http.jwksMs must be below http.requestMs",
      "preToken.lookupMs must be below Cognito's 5 s trigger limit",
    ]);
  });
});
