import { Tracer } from "@aws-lambda-powertools/tracer";
import type { Annotations, Tracing } from "./tracing.ts";
import { noTracing } from "./tracing.ts";

type Subsegment = NonNullable<Parameters<Parameters<Tracer["provider"]["captureAsyncFunc"]>[1]>[0]>;

/** The subsegment name Powertools gives the handler (`## ${_HANDLER}`); MeridianFunction deploys this handler. */
const HANDLER_SUBSEGMENT = "## index.handler";

function annotate(subsegment: Subsegment | undefined, annotations: Annotations = {}) {
  for (const [key, value] of Object.entries(annotations)) {
    if (value !== undefined) subsegment?.addAnnotation(key, value);
  }
}

/**
 * Tracing with Powertools Tracer (X-Ray). Loaded only through `loadTracing` when `TRACING_ENABLED` is
 * true. Powertools itself stays off outside Lambda (no `AWS_EXECUTION_ENV`); then this is `noTracing`.
 */
export function createXrayTracing(service: string): Tracing {
  const tracer = new Tracer({ serviceName: service });
  if (!tracer.isTracingEnabled()) return noTracing;

  /** Runs `fn` in a new subsegment made the current one for everything it awaits (cls-hooked context). */
  const inSubsegment = <T>(name: string, fn: (subsegment?: Subsegment) => Promise<T>): Promise<T> =>
    tracer.provider.captureAsyncFunc(name, async (subsegment) => {
      try {
        return await fn(subsegment);
      } catch (error) {
        tracer.addErrorAsMetadata(error as Error);
        throw error;
      } finally {
        subsegment?.close();
      }
    }) as Promise<T>;

  return {
    enabled: true,
    captureClient: (client) => tracer.captureAWSv3Client(client),
    traced: (name, fn, annotations) =>
      inSubsegment(`## ${name}`, (subsegment) => {
        annotate(subsegment, annotations);
        return fn();
      }),
    // Responses are not added as metadata (Powertools' default): they hold callers' IPs and order contents.
    invocation: (fn, annotations) =>
      inSubsegment(HANDLER_SUBSEGMENT, (subsegment) => {
        tracer.annotateColdStart();
        tracer.addServiceNameAnnotation();
        annotate(subsegment, annotations);
        return fn();
      }),
  };
}
