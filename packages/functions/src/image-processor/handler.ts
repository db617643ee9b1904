import { processUpload } from "@meridian/adapters/images";
import { SERVICE } from "@meridian/core";
import { loadImageProcessorConfig } from "../config.ts";
import { installSourceMappedStacks } from "../stack-traces.ts";
import { loadTracing } from "../tracing/tracing.ts";
import { createImageProcessorHandler } from "../wiring.ts";

installSourceMappedStacks();
const config = loadImageProcessorConfig();

/** S3 `ObjectCreated` entry point (asynchronous invocation, with an on-failure destination). */
export const handler = createImageProcessorHandler(
  config,
  { process: (bytes, declared) => processUpload(bytes, declared) },
  { tracing: await loadTracing({ enabled: config.tracingEnabled, service: SERVICE.imageProcessor }) },
);
