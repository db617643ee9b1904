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
});
const issuer = sandbox.config.jwt.issuer;
const admin = await signLocalToken(sandbox.issuerKey, { issuer, role: "admin", sub: "bench-admin" });
const customer = await signLocalToken(sandbox.issuerKey, { issuer, role: "customer", sub: "bench-customer" });
console.log(`LISTENING ${sandbox.url} ${admin} ${customer}`);
