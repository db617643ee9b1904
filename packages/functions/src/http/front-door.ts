import { STATUS_CODES } from "node:http";
import type { AppContext } from "@meridian/api";
import type {
  ALBEvent,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  Context as LambdaContext,
} from "aws-lambda";
import { getConnInfo } from "hono/aws-lambda";

export type LambdaHttpEvent = APIGatewayProxyEventV2 | APIGatewayProxyEvent | ALBEvent;

function eventOf(c: AppContext): LambdaHttpEvent | undefined {
  return c.env?.event as LambdaHttpEvent | undefined;
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
  // Hono's getConnInfo reads the same three places; it needs a requestContext, which every event has.
  if (!eventOf(c)?.requestContext) return "unknown";
  return withoutPrefixLength(getConnInfo(c).remote.address ?? "") || "unknown";
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
