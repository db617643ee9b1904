import type { AppContext } from "@meridian/api";
import type {
  ALBEvent,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  Context as LambdaContext,
} from "aws-lambda";

export type LambdaHttpEvent = APIGatewayProxyEventV2 | APIGatewayProxyEvent | ALBEvent;

function eventOf(c: AppContext): LambdaHttpEvent | undefined {
  return c.env?.event as LambdaHttpEvent | undefined;
}

function header(event: LambdaHttpEvent, name: string): string | undefined {
  const single = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];
  if (single !== undefined) return single;
  const multi = "multiValueHeaders" in event ? event.multiValueHeaders : undefined;
  return Object.entries(multi ?? {})
    .find(([key]) => key.toLowerCase() === name)?.[1]
    ?.join(",");
}

/**
 * The caller's IP as the front door saw the connection: API Gateway's `sourceIp` (HTTP API and REST API),
 * or for an ALB the last `X-Forwarded-For` hop, which the ALB itself appended. Hops before it are
 * client-supplied and ignored.
 */
export function lambdaClientIp(c: AppContext): string {
  const event = eventOf(c);
  const context = event?.requestContext;
  if (!event || !context) return "unknown";
  if ("http" in context) return context.http.sourceIp;
  if ("identity" in context) return context.identity.sourceIp;
  const hops = header(event, "x-forwarded-for")?.split(",") ?? [];
  return hops.at(-1)?.trim() || "unknown";
}

/** API Gateway's request id (it also appears in its access logs), else the Lambda invocation id. */
export function requestIdOf(
  event: LambdaHttpEvent | undefined,
  lambdaContext: LambdaContext | undefined,
): string | undefined {
  const context = event?.requestContext;
  if (context && "requestId" in context && typeof context.requestId === "string") return context.requestId;
  return lambdaContext?.awsRequestId;
}

/** The request id the app answers with in `X-Request-Id`: see `requestIdOf`. */
export function lambdaRequestId(c: AppContext): string | undefined {
  return requestIdOf(eventOf(c), c.env?.lambdaContext as LambdaContext | undefined);
}

/** Method and path as the Lambda adapter hands them to the app (API Gateway v2, v1 or ALB). */
export function routeOf(event: LambdaHttpEvent): { method: string; path: string } {
  if ("rawPath" in event) return { method: event.requestContext.http.method, path: event.rawPath };
  return { method: event.httpMethod, path: event.path };
}
