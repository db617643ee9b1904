import { ConfigError } from "@meridian/core";
import {
  defineEnvironment,
  httpEnvironment,
  metricsJobEnvironment,
  orderLimitsEnvironment,
  orderStreamEnvironment,
  preTokenEnvironment,
  tableEnvironment,
} from "@meridian/functions";
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";

/** Every name in a contract's `variables`, however nested. */
function namesIn(variables: unknown): string[] {
  return typeof variables === "string" ? [variables] : Object.values(variables as object).flatMap(namesIn);
}

const contracts = {
  http: httpEnvironment,
  "order-stream": orderStreamEnvironment,
  "metrics-job": metricsJobEnvironment,
  "pre-token": preTokenEnvironment,
};

describe.each(Object.entries(contracts))("the %s function's environment contract", (_name, contract) => {
  it("names exactly the variables its loader reads, each once", () => {
    // Act
    const named = namesIn(contract.variables);
    const read = Object.keys(contract.schema().shape);

    // Assess
    expect(new Set(named).size).toBe(named.length);
    expect([...named].sort()).toEqual([...read].sort());
  });
});

describe("the environment helpers", () => {
  it("set each table's variable to its name, and only the tables given", () => {
    // Act
    const env = tableEnvironment({ catalog: "dev-catalog", orders: "dev-orders" });

    // Assess
    expect(env).toEqual({
      [orderStreamEnvironment.variables.tables.catalog]: "dev-catalog",
      [orderStreamEnvironment.variables.tables.orders]: "dev-orders",
    });
    expect(orderStreamEnvironment.load(env).tables).toEqual({ catalog: "dev-catalog", orders: "dev-orders" });
  });

  it("set only the order limits a stage gives, which the HTTP loader reads back", () => {
    // Prepare
    const base = {
      ...tableEnvironment({ epochs: "e-1", apiKeys: "k-1", catalog: "c-1", orders: "o-1" }),
      [httpEnvironment.variables.appSecret]: "a-local-app-secret-of-32-characters!",
      [httpEnvironment.variables.jwtIssuer]: "https://issuer.test",
      [httpEnvironment.variables.jwtAudience]: "client",
    };

    // Act
    const env = orderLimitsEnvironment({ ordersPerMinute: 2 });
    const config = httpEnvironment.load({ ...base, ...env });

    // Assess
    expect(env).toEqual({ [httpEnvironment.variables.orderLimits.ordersPerMinute]: "2" });
    expect(config.orderLimits).toEqual({
      openOrdersPerDay: 10,
      unitsPerProductPerDay: 20,
      ordersPerMinute: 2,
    });
  });
});

describe("defineEnvironment", () => {
  it("builds its schema once, on first use, and names a bad variable in a ConfigError", () => {
    // Prepare
    let built = 0;
    const contract = defineEnvironment({
      variables: { interval: "INTERVAL_SECONDS" },
      schema: (v) => {
        built += 1;
        return z.object({ [v.interval]: z.string().check(z.regex(/^[0-9]+$/)) });
      },
      toConfig: (e) => ({ intervalMs: Number(e.INTERVAL_SECONDS) * 1000 }),
    });

    // Act
    const before = built;
    const config = contract.load({ INTERVAL_SECONDS: "5" });
    const bad = () => contract.load({ INTERVAL_SECONDS: "soon" });

    // Assess
    expect(before).toBe(0);
    expect(config).toEqual({ intervalMs: 5000 });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/INTERVAL_SECONDS is invalid/);
    expect(built).toBe(1);
  });
});
