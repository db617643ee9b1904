export { applyRetryPolicy, type BatchIo, type BatchOutcome, type BatchPolicy } from "./batch.ts";
export {
  type CheckpointFile,
  CheckpointStore,
  checkpointPath,
  readCheckpoint,
  type ShardCheckpoint,
} from "./checkpoint.ts";
export {
  appendToDlq,
  type DiscardCondition,
  dlqNames,
  dlqPath,
  failureRecord,
  listDlq,
  type RedriveOutcome,
  type RedriveResult,
  redriveDlq,
  type StreamFailureRecord,
} from "./destination.ts";
export { compileFilters, FilterPatternError } from "./filter.ts";
export { type InvokeResult, interpretResponse, invokeHandler } from "./invoke.ts";
export {
  type InvokeInfo,
  type StreamAvailability,
  type StreamRunnerOptions,
  StreamRunnerOptionsError,
} from "./options.ts";
export {
  compareSequenceNumbers,
  type LambdaStreamRecord,
  toLambdaRecord,
  toWireAttribute,
} from "./records.ts";
export { type StreamHandlerLoader, streamHandlers } from "./registry.ts";
export { type StreamRunner, startStreamRunner } from "./runner.ts";
