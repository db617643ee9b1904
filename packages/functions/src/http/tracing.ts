import type { Context as LambdaContext } from "aws-lambda";
import type { Tracing } from "../tracing/tracing.ts";
import { type LambdaHttpEvent, requestIdOf } from "./front-door.ts";

/**
 * Traces each HTTP invocation: the handler's subsegment annotated with the request id the caller sees
 * (`requestId`, API Gateway's own or the invocation id). Inside it the app runs each route in a subsegment
 * named after the route's use case (`## recordEpoch`, the route's `useCase`), which holds the DynamoDB calls
 * (see `traceRoute` in `createMeridianApp`). With tracing off the handler is returned as it is.
 */
export function withHttpTracing<E, R>(
  handler: (event: E, context?: LambdaContext) => Promise<R>,
  tracing: Tracing,
): (event: E, context?: LambdaContext) => Promise<R> {
  if (!tracing.enabled) return handler;
  return (event, context) =>
    // Hono types the events loosely; these are the shapes API Gateway and the ALB send.
    tracing.invocation(() => handler(event, context), {
      requestId: requestIdOf(event as unknown as LambdaHttpEvent, context),
    });
}
