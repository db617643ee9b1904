import {
  InvokeCommand,
  type InvokeCommandInput,
  type InvokeCommandOutput,
  LambdaClient,
} from "@aws-sdk/client-lambda";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StageCliError } from "../src/stage-cli/cli-support.ts";
import { dlqStageMain, ORDER_STREAM_REDRIVE_REFUSAL } from "../src/stage-cli/dlq.ts";
import { captureIo, fakeAwsEnvironment, stackWithOutputs } from "./stage-cli-support.ts";

const ORDER_DLQ = "https://sqs.us-east-1.amazonaws.com/123456789012/meridian-dev-order-stream-dlq";
const IMAGE_DLQ = "https://sqs.us-east-1.amazonaws.com/123456789012/meridian-dev-image-processor-failures";
const FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:meridian-dev-ImageProcessor-abc";

/** Lambda's on-failure record of a DynamoDB stream batch: a pointer into the stream, no records. */
const streamFailure = {
  requestContext: {
    requestId: "316aa6d0-8154-xmpl-9af7-85d5f4a6bc81",
    functionArn: "arn:aws:lambda:us-east-1:123456789012:function:meridian-dev-OrderStream-def",
    condition: "RetryAttemptsExhausted",
    approximateInvokeCount: 4,
  },
  responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
  version: "1.0",
  timestamp: "2026-12-04T12:00:00.000Z",
  DDBStreamBatchInfo: {
    shardId: "shardId-00000001-abc",
    startSequenceNumber: "100",
    endSequenceNumber: "104",
    approximateArrivalOfFirstRecord: "2026-12-04T11:59:00Z",
    approximateArrivalOfLastRecord: "2026-12-04T11:59:01Z",
    batchSize: 5,
    streamArn:
      "arn:aws:dynamodb:us-east-1:123456789012:table/meridian-dev-orders/stream/2026-12-01T00:00:00.000",
  },
};
/** Lambda's on-failure record of an asynchronous invocation: it holds the whole S3 event. */
const s3Event = {
  Records: [{ eventName: "ObjectCreated:Post", s3: { object: { key: "products/p1/uploads/i1" } } }],
};
const imageFailure = (requestId: string) => ({
  version: "1.0",
  timestamp: "2026-12-04T12:05:00.000Z",
  requestContext: {
    requestId,
    functionArn: `${FUNCTION_ARN}:$LATEST`,
    condition: "RetriesExhausted",
    approximateInvokeCount: 3,
  },
  requestPayload: s3Event,
  responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
  responsePayload: { errorType: "Error", errorMessage: "catalog unavailable" },
});

let cfn: ReturnType<typeof mockClient>;
let sqs: ReturnType<typeof mockClient>;
let lambda: ReturnType<typeof mockClient>;
const inputs = (command: Parameters<typeof sqs.commandCalls>[0]) =>
  sqs.commandCalls(command).map((call) => call.args[0].input);

beforeEach(() => {
  fakeAwsEnvironment();
  cfn = stackWithOutputs("meridian-dev-stateless", {
    OrderStreamDlqUrl: ORDER_DLQ,
    ImageProcessorFailuresUrl: IMAGE_DLQ,
  });
  sqs = mockClient(SQSClient);
  lambda = mockClient(LambdaClient);
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: {} });
  sqs.on(ReceiveMessageCommand).resolves({ Messages: [] });
});
afterEach(() => {
  cfn.restore();
  sqs.restore();
  lambda.restore();
  vi.unstubAllEnvs();
});

describe("npm run dlq -- list --stage <s>", () => {
  it("peeks at both queues with a visibility timeout of 0 and lists each failure record", async () => {
    sqs.on(GetQueueAttributesCommand, { QueueUrl: ORDER_DLQ }).resolves({
      Attributes: { ApproximateNumberOfMessages: "1", ApproximateNumberOfMessagesNotVisible: "0" },
    });
    const orderMessage = {
      MessageId: "m1",
      Body: JSON.stringify(streamFailure),
      Attributes: { ApproximateReceiveCount: "2" },
    };
    // SQS may return a message again or miss it in one receive: peeking repeats until nothing new comes.
    sqs
      .on(ReceiveMessageCommand, { QueueUrl: ORDER_DLQ })
      .resolvesOnce({ Messages: [orderMessage] })
      .resolvesOnce({ Messages: [orderMessage] })
      .resolves({ Messages: [] });
    sqs.on(ReceiveMessageCommand, { QueueUrl: IMAGE_DLQ }).resolves({
      Messages: [{ MessageId: "m2", Body: JSON.stringify(imageFailure("req-img")), Attributes: {} }],
    });
    const io = captureIo();

    const code = await dlqStageMain(["list", "--stage", "dev", "--json"], io);

    expect(code).toBe(0);
    expect(inputs(GetQueueAttributesCommand)).toEqual([
      {
        QueueUrl: ORDER_DLQ,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      },
      {
        QueueUrl: IMAGE_DLQ,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      },
    ]);
    const peek = (QueueUrl: string) => ({
      QueueUrl,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 0,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
    });
    expect(inputs(ReceiveMessageCommand)).toEqual([
      peek(ORDER_DLQ),
      peek(ORDER_DLQ),
      peek(ORDER_DLQ),
      peek(IMAGE_DLQ),
      peek(IMAGE_DLQ),
      peek(IMAGE_DLQ),
    ]);
    expect(JSON.parse(io.stdout.join(""))).toEqual([
      {
        mapping: "order-stream",
        id: "316aa6d0-8154-xmpl-9af7-85d5f4a6bc81",
        when: "2026-12-04T12:00:00.000Z",
        condition: "RetryAttemptsExhausted",
        invokes: 4,
        received: "2",
        records: 5,
        shard: "shardId-00000001-abc",
        sequenceNumbers: "100..104",
      },
      {
        mapping: "image-processor",
        id: "req-img",
        when: "2026-12-04T12:05:00.000Z",
        condition: "RetriesExhausted",
        invokes: 3,
        received: "",
        records: 1,
        keys: "products/p1/uploads/i1",
        error: "catalog unavailable",
      },
    ]);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });

  it("prints a table for people and says when the queues are empty", async () => {
    const io = captureIo();
    await dlqStageMain(["list", "--stage", "dev", "--name", "order-stream"], io);
    expect(io.stdout).toEqual(["No messages in the dead-letter queues of stage dev."]);
    expect(io.stderr).toEqual([`order-stream: 0 message(s) visible, 0 in flight (${ORDER_DLQ})`]);
    // A matcher's once-answers count the calls made before it was set: start the second run afresh.
    sqs.reset();
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: {} });

    sqs
      .on(ReceiveMessageCommand, { QueueUrl: ORDER_DLQ })
      .resolvesOnce({
        Messages: [
          {
            MessageId: "m1",
            Body: JSON.stringify(streamFailure),
            Attributes: { ApproximateReceiveCount: "1" },
          },
        ],
      })
      .resolves({ Messages: [] });
    const table = captureIo();
    await dlqStageMain(["list", "--stage", "dev", "--name", "order-stream"], table);
    expect(table.stdout[0]).toMatch(
      /^mapping\s+id\s+when\s+condition\s+invokes\s+received\s+records\s+shard\s+sequenceNumbers$/,
    );
    expect(table.stdout[2]).toMatch(
      /^order-stream\s+316aa6d0-8154-xmpl-9af7-85d5f4a6bc81\s+.*\s+100\.\.104$/,
    );
  });
});

describe("npm run dlq -- redrive --stage <s>", () => {
  it("invokes the image processor again with each stored S3 event, deletes what succeeded and shows the rest again", async () => {
    sqs
      .on(ReceiveMessageCommand, { QueueUrl: IMAGE_DLQ })
      .resolvesOnce({
        Messages: [
          { MessageId: "m1", ReceiptHandle: "rh-1", Body: JSON.stringify(imageFailure("req-ok")) },
          { MessageId: "m2", ReceiptHandle: "rh-2", Body: JSON.stringify(imageFailure("req-bad")) },
        ],
      })
      .resolves({ Messages: [] });
    lambda
      .on(InvokeCommand)
      .resolvesOnce({ StatusCode: 200 })
      .resolvesOnce({
        StatusCode: 200,
        FunctionError: "Unhandled",
        Payload: new TextEncoder().encode(
          '{"errorMessage":"still broken"}',
        ) as InvokeCommandOutput["Payload"],
      });
    const io = captureIo();

    const code = await dlqStageMain(["redrive", "--stage", "dev", "--name", "image-processor"], io);

    expect(code).toBe(1);
    expect(inputs(ReceiveMessageCommand)).toEqual([
      { QueueUrl: IMAGE_DLQ, MaxNumberOfMessages: 10, VisibilityTimeout: 300, WaitTimeSeconds: 0 },
      { QueueUrl: IMAGE_DLQ, MaxNumberOfMessages: 10, VisibilityTimeout: 300, WaitTimeSeconds: 0 },
    ]);
    const invokes = lambda
      .commandCalls(InvokeCommand)
      .map((call) => call.args[0].input as InvokeCommandInput);
    expect(invokes.map(({ Payload, ...rest }) => rest)).toEqual([
      { FunctionName: FUNCTION_ARN, InvocationType: "RequestResponse" },
      { FunctionName: FUNCTION_ARN, InvocationType: "RequestResponse" },
    ]);
    for (const { Payload } of invokes) {
      expect(JSON.parse(new TextDecoder().decode(Payload as Uint8Array))).toEqual(s3Event);
    }
    expect(inputs(DeleteMessageCommand)).toEqual([{ QueueUrl: IMAGE_DLQ, ReceiptHandle: "rh-1" }]);
    expect(inputs(ChangeMessageVisibilityCommand)).toEqual([
      { QueueUrl: IMAGE_DLQ, ReceiptHandle: "rh-2", VisibilityTimeout: 0 },
    ]);
    expect(io.stdout).toEqual([
      "image-processor: 1 redriven, 1 still failing",
      '  req-bad: Unhandled: {"errorMessage":"still broken"}',
    ]);
  });

  it("refuses to redrive the order-stream queue and touches no queue", async () => {
    await expect(
      dlqStageMain(["redrive", "--stage", "dev", "--name", "order-stream"], captureIo()),
    ).rejects.toThrow(new StageCliError(ORDER_STREAM_REDRIVE_REFUSAL));
    expect(sqs.calls()).toHaveLength(0);
    expect(lambda.calls()).toHaveLength(0);
  });

  it("without --name redrives the image processor's queue and says why the order stream's is left", async () => {
    const io = captureIo();
    expect(await dlqStageMain(["redrive", "--stage", "dev"], io)).toBe(0);
    expect(io.stderr).toEqual([`order-stream: not redriven. ${ORDER_STREAM_REDRIVE_REFUSAL}`]);
    expect(io.stdout).toEqual(["image-processor: 0 redriven, 0 still failing"]);
    expect(inputs(ReceiveMessageCommand).map((i) => (i as { QueueUrl: string }).QueueUrl)).toEqual([
      IMAGE_DLQ,
    ]);
  });
});
