import type { Context as LambdaContext } from "aws-lambda";
import type { Tracing } from "../tracing/tracing.ts";
import { type LambdaHttpEvent, requestIdOf, routeOf } from "./front-door.ts";
import { useCaseMatcher } from "./use-cases.ts";

/**
 * Traces each HTTP invocation: the handler's subsegment annotated with the request id the caller sees
 * (`requestId`, API Gateway's own or the invocation id), and inside it one subsegment named after the
 * route's use case (`## recordEpoch`), which holds the DynamoDB calls. The use case subsegment spans the
 * whole request through the app (auth, validation, the use case, the response), since the app's routes
 * call the use cases themselves. `routes` are the app's (`app.routes`). With tracing off the handler is
 * returned as it is.
 */
export function withHttpTracing<E, R>(
  handler: (event: E, context?: LambdaContext) => Promise<R>,
  tracing: Tracing,
  routes: readonly { method: string; path: string }[],
): (event: E, context?: LambdaContext) => Promise<R> {
  if (!tracing.enabled) return handler;
  const useCaseOf = useCaseMatcher(routes);
  return (event, context) => {
    // Hono types the events loosely; these are the shapes API Gateway and the ALB send.
    const httpEvent = event as unknown as LambdaHttpEvent;
    const { method, path } = routeOf(httpEvent);
    return tracing.invocation(() => tracing.traced(useCaseOf(method, path), () => handler(event, context)), {
      requestId: requestIdOf(httpEvent, context),
    });
  };
}
