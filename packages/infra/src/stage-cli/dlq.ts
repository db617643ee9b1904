import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { describeAwsError, resolveTarget, type StageTarget } from "./aws-target.ts";
import { type Io, parseCommandLine, processIo, StageCliError, textTable, UsageError } from "./cli-support.ts";
import { requireOutput, stackOutputs } from "./stack-outputs.ts";

export const DLQ_STAGE_USAGE = `Usage: npm run dlq -- list|redrive --stage <name> [--region <r>] [--name order-stream|image-processor] [--max <n>] [--json]

A deployed stage's dead-letter queues (the stateless stack's outputs OrderStreamDlqUrl and
ImageProcessorFailuresUrl): Lambda's failure records of order-stream batches and image-processor events.
  list      peeks at up to --max messages (default 50) per queue with a visibility timeout of 0: they stay
            visible to everyone and in the queue; each peek adds one to their ApproximateReceiveCount
  redrive   image-processor: invokes the function again with each stored S3 event and deletes the messages
            whose invocation succeeded; the others are made visible again at once. order-stream: not
            built (docs/operations.md, "order-stream-dlq"): its messages point into the 24-hour stream and
            hold no orders, and a replay would have to apply the event source mapping's filters itself`;

/** The stage's queues, by the stateless stack's output that names each one's URL. */
export const DLQ_OUTPUTS = {
  "order-stream": "OrderStreamDlqUrl",
  "image-processor": "ImageProcessorFailuresUrl",
} as const;
export type DlqName = keyof typeof DLQ_OUTPUTS;

/** How long a message being redriven stays hidden from other consumers: beyond the processor's timeout. */
export const REDRIVE_VISIBILITY_SECONDS = 300;

/** Lambda's on-failure record, the fields this command reads (stream batches and asynchronous events). */
interface FailureRecord {
  timestamp?: string;
  requestContext?: {
    requestId?: string;
    functionArn?: string;
    condition?: string;
    approximateInvokeCount?: number;
  };
  responsePayload?: { errorType?: string; errorMessage?: string };
  requestPayload?: { Records?: Array<{ s3?: { object?: { key?: string } } }> };
  DDBStreamBatchInfo?: {
    shardId?: string;
    startSequenceNumber?: string;
    endSequenceNumber?: string;
    batchSize?: number;
    streamArn?: string;
  };
}

function parseBody(message: Message): FailureRecord {
  try {
    return JSON.parse(message.Body ?? "") as FailureRecord;
  } catch {
    return {};
  }
}

/** One listed message: the sandbox's columns for the same kind of entry, plus what SQS says of it. */
export function summarize(name: DlqName, message: Message): Record<string, string | number> {
  const body = parseBody(message);
  const context = body.requestContext ?? {};
  const common = {
    mapping: name,
    id: context.requestId ?? message.MessageId ?? "",
    when: body.timestamp ?? "",
    condition: context.condition ?? "",
    invokes: context.approximateInvokeCount ?? "",
    received: message.Attributes?.ApproximateReceiveCount ?? "",
  };
  const info = body.DDBStreamBatchInfo;
  if (info) {
    return {
      ...common,
      records: info.batchSize ?? "",
      shard: info.shardId ?? "",
      sequenceNumbers: `${info.startSequenceNumber ?? ""}..${info.endSequenceNumber ?? ""}`,
    };
  }
  const records = body.requestPayload?.Records ?? [];
  return {
    ...common,
    records: records.length,
    keys: records.map((r) => r.s3?.object?.key ?? "").join(" "),
    error: body.responsePayload?.errorMessage ?? "",
  };
}

/**
 * Up to `max` messages of the queue without taking them: ReceiveMessage with VisibilityTimeout 0, repeated
 * until a receive brings nothing new (SQS answers each receive from a sample of its servers, so one call can
 * miss messages), deduplicated by message id.
 */
export async function peekMessages(sqs: SQSClient, queueUrl: string, max: number): Promise<Message[]> {
  const found = new Map<string, Message>();
  let fruitless = 0;
  while (found.size < max && fruitless < 2) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, max - found.size),
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
      }),
    );
    const before = found.size;
    for (const message of Messages) if (message.MessageId) found.set(message.MessageId, message);
    fruitless = found.size === before ? fruitless + 1 : 0;
  }
  return [...found.values()].slice(0, max);
}

async function depth(sqs: SQSClient, queueUrl: string) {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

export interface RedriveOutcome {
  id: string;
  ok: boolean;
  reason?: string;
}

/** The function a failure record names, unqualified: a redrive runs the code deployed now ($LATEST). */
function functionOf(record: FailureRecord): string | undefined {
  const arn = record.requestContext?.functionArn;
  return arn?.split(":").slice(0, 7).join(":");
}

/**
 * Redrives the image processor's failure queue: each message is received (hidden for
 * REDRIVE_VISIBILITY_SECONDS), its stored S3 event (`requestPayload`) is invoked synchronously on the function
 * its record names, and the message is deleted when the invocation succeeded. Messages that still fail are
 * made visible again at the end, so they stay for the next attempt. Safe to repeat: the processor skips an
 * image that is no longer PROCESSING.
 */
export async function redriveImageEvents(
  sqs: SQSClient,
  lambda: LambdaClient,
  queueUrl: string,
  max: number,
): Promise<RedriveOutcome[]> {
  const outcomes: RedriveOutcome[] = [];
  const failed: string[] = [];
  try {
    while (outcomes.length < max) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, max - outcomes.length),
          VisibilityTimeout: REDRIVE_VISIBILITY_SECONDS,
          WaitTimeSeconds: 0,
        }),
      );
      if (Messages.length === 0) break;
      for (const message of Messages) {
        const record = parseBody(message);
        const id = record.requestContext?.requestId ?? message.MessageId ?? "";
        const functionName = functionOf(record);
        let reason: string | undefined;
        if (!functionName || !record.requestPayload) {
          reason = "not a Lambda failure record (no requestContext.functionArn or requestPayload)";
        } else {
          const result = await lambda.send(
            new InvokeCommand({
              FunctionName: functionName,
              InvocationType: "RequestResponse",
              Payload: new TextEncoder().encode(JSON.stringify(record.requestPayload)),
            }),
          );
          if (result.FunctionError) {
            const payload = result.Payload ? new TextDecoder().decode(result.Payload) : "";
            reason = `${result.FunctionError}: ${payload.slice(0, 300)}`;
          }
        }
        if (reason === undefined) {
          await sqs.send(
            new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
          );
          outcomes.push({ id, ok: true });
        } else {
          if (message.ReceiptHandle) failed.push(message.ReceiptHandle);
          outcomes.push({ id, ok: false, reason });
        }
      }
    }
  } finally {
    for (const handle of failed) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: handle,
          VisibilityTimeout: 0,
        }),
      );
    }
  }
  return outcomes;
}

export const ORDER_STREAM_REDRIVE_REFUSAL =
  "Redriving the order-stream queue is not built: each message is Lambda's pointer to a batch of the " +
  "orders table's stream (shard and sequence numbers, no orders), readable for 24 hours only, and a replay " +
  "outside the event source mapping would have to apply the mapping's filters itself. Its orders are still " +
  "PENDING: resolve them as docs/operations.md says under order-stream-dlq, then delete the messages.";

/** `npm run dlq -- <command> --stage <s> ...` with `argv` (what follows `--`). */
export async function dlqStageMain(argv: string[], io: Io = processIo): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args: argv,
    allowPositionals: true,
    options: {
      stage: { type: "string" },
      region: { type: "string" },
      name: { type: "string" },
      max: { type: "string", default: "50" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command] = positionals;
  if (values.help || !command) {
    io.out(DLQ_STAGE_USAGE);
    return values.help ? 0 : 2;
  }
  if (command !== "list" && command !== "redrive") throw new UsageError(`Unknown command "${command}"`);
  const known = Object.keys(DLQ_OUTPUTS) as DlqName[];
  if (values.name && !(known as string[]).includes(values.name))
    throw new UsageError(`--name must be one of ${known.join(", ")} (got "${values.name}")`);
  const max = Number(values.max);
  if (!Number.isInteger(max) || max < 1 || max > 1000)
    throw new UsageError("--max must be a whole number from 1 to 1000");
  const names = values.name ? [values.name as DlqName] : known;
  if (command === "redrive" && values.name === "order-stream")
    throw new StageCliError(ORDER_STREAM_REDRIVE_REFUSAL);

  const target: StageTarget = resolveTarget(values.stage, values.region);
  const outputs = await stackOutputs(target, "stateless");
  const queues = names.map((name) => ({
    name,
    url: requireOutput(outputs, DLQ_OUTPUTS[name], target, "stateless"),
  }));
  const sqs = new SQSClient({ region: target.region });
  try {
    if (command === "list") {
      const rows: Array<Record<string, string | number>> = [];
      for (const { name, url } of queues) {
        const { visible, inFlight } = await depth(sqs, url);
        if (!values.json) io.err(`${name}: ${visible} message(s) visible, ${inFlight} in flight (${url})`);
        for (const message of await peekMessages(sqs, url, max)) rows.push(summarize(name, message));
      }
      if (values.json) io.out(JSON.stringify(rows));
      else if (rows.length === 0) io.out(`No messages in the dead-letter queues of stage ${target.stage}.`);
      else for (const line of textTable(rows)) io.out(line);
      return 0;
    }
    const images = queues.find((q) => q.name === "image-processor");
    if (!values.name) io.err(`order-stream: not redriven. ${ORDER_STREAM_REDRIVE_REFUSAL}`);
    if (!images) return 0;
    const lambda = new LambdaClient({ region: target.region });
    try {
      const outcomes = await redriveImageEvents(sqs, lambda, images.url, max);
      const failing = outcomes.filter((o) => !o.ok);
      if (values.json) io.out(JSON.stringify([{ mapping: "image-processor", outcomes }]));
      else {
        io.out(
          `image-processor: ${outcomes.length - failing.length} redriven, ${failing.length} still failing`,
        );
        for (const o of failing) io.out(`  ${o.id}: ${o.reason}`);
      }
      return failing.length > 0 ? 1 : 0;
    } finally {
      lambda.destroy();
    }
  } catch (error) {
    throw describeAwsError(
      error,
      `${command === "list" ? "reading" : "redriving"} the dead-letter queues of stage ${target.stage}`,
    );
  } finally {
    sqs.destroy();
  }
}
