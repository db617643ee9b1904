/** Values an X-Ray annotation can hold (indexed, usable in trace filter expressions); undefined is skipped. */
export type Annotations = Record<string, string | number | boolean | undefined>;

/**
 * What the functions need from a tracer. With tracing off every method hands its argument straight
 * through; the X-Ray implementation (Powertools Tracer, aws-xray-sdk-core) is loaded only when it is on.
 */
export interface Tracing {
  readonly enabled: boolean;
  /** Instruments an AWS SDK v3 client so each call becomes a subsegment (`DynamoDB`, `SecretsManager`). */
  captureClient<C>(client: C): C;
  /**
   * Runs `fn` in a subsegment named `## <name>` with the given annotations; an error is recorded on the
   * subsegment and rethrown.
   *
   * @example
   * const outcome = await tracing.traced("reserveStock", () => reserveStock(deps, order), { orderId });
   */
  traced<T>(name: string, fn: () => Promise<T>, annotations?: Annotations): Promise<T>;
  /**
   * Runs one invocation in the handler's subsegment (`## index.handler`), annotated with `ColdStart`,
   * `Service` and the given annotations, as Powertools' `captureLambdaHandler` does.
   */
  invocation<T>(fn: () => Promise<T>, annotations?: Annotations): Promise<T>;
}

/** Tracing off: nothing is recorded and nothing extra runs. */
export const noTracing: Tracing = {
  enabled: false,
  captureClient: (client) => client,
  traced: (_name, fn) => fn(),
  invocation: (fn) => fn(),
};

export interface TracingOptions {
  /** `TRACING_ENABLED`, parsed by the function's config loader. */
  enabled?: boolean;
  /** Service name annotated on every trace (`SERVICE.http`, …). */
  service: string;
}

/**
 * The function's tracer, made once at cold start. Off (the default), it is `noTracing` and the tracer's
 * module is never evaluated: the import below is dynamic, so it costs nothing unless tracing is on.
 *
 * @example
 * const tracing = await loadTracing({ enabled: config.tracingEnabled, service: SERVICE.http });
 */
export async function loadTracing(options: TracingOptions): Promise<Tracing> {
  if (!options.enabled) return noTracing;
  const { createXrayTracing } = await import("./xray.ts");
  return createXrayTracing(options.service);
}
