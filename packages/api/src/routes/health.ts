import * as z from "zod/mini";
import type { RouteDeps } from "../deps.ts";
import { type ApiBuilder, errorResponse, mount } from "./route.ts";

const HealthSchema = z.lazy(() => z.object({ status: z.literal("ok") }).check(z.meta({ id: "Health" })));
const ok = { description: "Healthy", content: { "application/json": { schema: HealthSchema } } };

export function healthRoutes(api: ApiBuilder, deps: RouteDeps) {
  mount(
    api,
    {
      method: "get",
      path: "/health",
      summary: "Liveness (no I/O)",
      responses: { 200: ok },
      callsNoDependency: true,
    },
    (c) => c.json({ status: "ok" }),
  );
  mount(
    api,
    {
      method: "get",
      path: "/health/ready",
      summary: "Readiness: the table answers",
      responses: { 200: ok, 503: errorResponse("The table is unreachable") },
    },
    async (c) => {
      await deps.epochs.ping();
      return c.json({ status: "ok" });
    },
  );
}
