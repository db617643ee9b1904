/** The sandbox (API + order stream runner) for bench/order-latency.ts; prints its URL and two tokens. */
import { signLocalToken, startSandbox } from "@meridian/sandbox";

const sandbox = await startSandbox({
  port: 0,
  home: null,
  // Only errors are printed; the benchmark reads results from the API.
  logSink: (entry) => {
    if (entry.level === "ERROR") console.error(JSON.stringify(entry));
  },
  metricsJobPeriodSeconds: 0,
  // One customer places every order of the run: far past what one customer may order (the limits are not
  // what this measures, and would answer 429 after the fifth order of a minute).
  orderLimits: { openOrdersPerDay: 1_000_000, unitsPerProductPerDay: 1_000_000, ordersPerMinute: 1_000_000 },
});
const issuer = sandbox.config.jwt.issuer;
const admin = await signLocalToken(sandbox.issuerKey, { issuer, role: "admin", sub: "bench-admin" });
const customer = await signLocalToken(sandbox.issuerKey, { issuer, role: "customer", sub: "bench-customer" });
console.log(`LISTENING ${sandbox.url} ${admin} ${customer}`);
