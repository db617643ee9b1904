import { STATUS_CODES } from "node:http";
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

/** `203.0.113.7/32` → `203.0.113.7`, `2001:db8::1/128` → `2001:db8::1`; a bare address is kept as it is. */
function withoutPrefixLength(address: string): string {
  return address.replace(/\/\d{1,3}$/, "");
}

/**
 * The caller's IP as the front door saw the connection: API Gateway's `sourceIp` (HTTP API and REST API),
 * or for an ALB the last `X-Forwarded-For` hop, which the ALB itself appended. Hops before it are
 * client-supplied and ignored. A CIDR suffix (some of AWS's sample events give `sourceIp` as
 * `203.0.113.7/32`) is dropped, so the address is stored the same whichever way it came.
 */
export function lambdaClientIp(c: AppContext): string {
  const event = eventOf(c);
  const context = event?.requestContext;
  if (!event || !context) return "unknown";
  if ("http" in context) return withoutPrefixLength(context.http.sourceIp);
  if ("identity" in context) return withoutPrefixLength(context.identity.sourceIp);
  const hops = header(event, "x-forwarded-for")?.split(",") ?? [];
  return withoutPrefixLength(hops.at(-1)?.trim() ?? "") || "unknown";
}

/**
 * Adds `statusDescription` (`"201 Created"`) to the responses of ALB events: the ALB's Lambda target
 * response carries the reason phrase there, and hono/aws-lambda leaves it out. Other events' responses are
 * returned as they are.
 *
 * @example
 * export const handler = withAlbStatusDescription(handle(app));
 */
export function withAlbStatusDescription<E, R extends { statusCode: number }>(
  handler: (event: E, context?: LambdaContext) => Promise<R>,
): (event: E, context?: LambdaContext) => Promise<R & { statusDescription?: string }> {
  return async (event, context) => {
    const result = await handler(event, context);
    const requestContext = (event as { requestContext?: object } | undefined)?.requestContext;
    if (!requestContext || !("elb" in requestContext)) return result;
    const reason = STATUS_CODES[result.statusCode];
    return {
      ...result,
      statusDescription: reason ? `${result.statusCode} ${reason}` : `${result.statusCode}`,
    };
  };
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
