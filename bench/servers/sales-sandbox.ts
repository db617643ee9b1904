/** The sandbox (API + order stream runner) for bench/order-latency.ts; prints its URL and two tokens. */
import { signLocalToken, startSandbox } from "@meridian/sandbox";

const sandbox = await startSandbox({
  port: 0,
  home: null,
  logger: { request: () => {}, error: (message, { error }) => console.error(message, error) },
  processorLog: () => {},
});
const issuer = sandbox.config.jwt.issuer;
const admin = await signLocalToken(sandbox.issuerKey, { issuer, role: "admin", sub: "bench-admin" });
const customer = await signLocalToken(sandbox.issuerKey, { issuer, role: "customer", sub: "bench-customer" });
console.log(`LISTENING ${sandbox.url} ${admin} ${customer}`);
