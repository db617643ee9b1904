import { DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  type FilterLogEventsCommandInput,
} from "@aws-sdk/client-cloudwatch-logs";
import type { LogEntry } from "@meridian/core";
import { prettySink } from "@meridian/sandbox";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UsageError } from "../src/stage-cli/cli-support.ts";
import { FOLLOW_OVERLAP_MS, logsMain, tailLogs } from "../src/stage-cli/logs.ts";
import { captureIo, fakeAwsEnvironment, noAwsCredentials, stackWithOutputs } from "./stage-cli-support.ts";

const NOW = Date.parse("2026-12-04T12:30:00.000Z");
const GROUPS = {
  HttpLogGroup: "meridian-dev-stateless-HttpLogsA1B2C3-xyz",
  OrderStreamLogGroup: "meridian-dev-stateless-OrderStreamLogsD4E5-xyz",
  MetricsJobLogGroup: "meridian-dev-stateless-MetricsJobLogsF6G7-xyz",
  ImageProcessorLogGroup: "meridian-dev-stateless-ImageProcessorLogsH8-xyz",
};

const requestEntry: LogEntry = {
  level: "INFO",
  timestamp: "2026-12-04T12:29:01.250Z",
  service: "http",
  function: "meridian-dev-http",
  coldStart: false,
  message: "request",
  requestId: "req-1",
  method: "POST",
  path: "/epoch",
  route: "/epoch",
  status: 201,
  latencyMs: 12.5,
};
const orderEntry = {
  level: "INFO",
  timestamp: "2026-12-04T12:29:02.000Z",
  service: "order-stream",
  function: "meridian-dev-order-stream",
  coldStart: true,
  message: "order processed",
  orderId: "ord-1",
  outcome: "CONFIRMED",
  lagMs: 80,
  correlationId: "req-2",
};

let cfn: ReturnType<typeof mockClient>;
let logs: ReturnType<typeof mockClient>;
const filterCalls = () =>
  logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input as FilterLogEventsCommandInput);

beforeEach(() => {
  fakeAwsEnvironment();
  cfn = stackWithOutputs("meridian-dev-stateless", GROUPS);
  logs = mockClient(CloudWatchLogsClient);
  logs.on(FilterLogEventsCommand).resolves({ events: [] });
});
afterEach(() => {
  cfn.restore();
  logs.restore();
  vi.unstubAllEnvs();
});

describe("npm run logs -- --stage <s>", () => {
  it("reads the function's log group named by the stack output, from --since on, in the sandbox's compact lines", async () => {
    logs.on(FilterLogEventsCommand).resolves({
      events: [
        { eventId: "1", timestamp: NOW - 59_000, message: "START RequestId: abc Version: $LATEST\n" },
        { eventId: "2", timestamp: NOW - 58_750, message: `${JSON.stringify(requestEntry)}\n` },
        { eventId: "3", timestamp: NOW - 58_740, message: "END RequestId: abc\n" },
        {
          eventId: "4",
          timestamp: NOW - 58_730,
          message: "REPORT RequestId: abc\tDuration: 14.20 ms\tBilled Duration: 15 ms\n",
        },
      ],
    });
    const io = captureIo();

    const code = await logsMain(["--stage", "dev", "--function", "http", "--since", "5m"], io, () => NOW);

    expect(code).toBe(0);
    expect(cfn.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input)).toEqual([
      { StackName: "meridian-dev-stateless" },
    ]);
    expect(filterCalls()).toEqual([{ logGroupName: GROUPS.HttpLogGroup, startTime: NOW - 5 * 60_000 }]);
    const sandboxLines: string[] = [];
    prettySink((line) => sandboxLines.push(line))(requestEntry);
    expect(io.stdout).toEqual([
      "12:29:01.250 POST   /epoch 201 12.5ms req=req-1",
      "12:29:01.270 LAMBDA [http] REPORT RequestId: abc Duration: 14.20 ms Billed Duration: 15 ms",
    ]);
    expect(io.stdout[0]).toBe(sandboxLines[0]);
    expect(io.stderr).toEqual([`Logs of ${GROUPS.HttpLogGroup} in us-east-1`]);
  });

  it("reads all four functions by default, every page, interleaved by time, with the filter pattern given", async () => {
    logs
      .on(FilterLogEventsCommand, { logGroupName: GROUPS.HttpLogGroup })
      .resolvesOnce({
        events: [{ eventId: "h1", timestamp: NOW - 2000, message: JSON.stringify(requestEntry) }],
        nextToken: "page-2",
      })
      .resolvesOnce({
        events: [
          {
            eventId: "h2",
            timestamp: NOW - 500,
            message: JSON.stringify({ ...requestEntry, timestamp: "2026-12-04T12:29:59.500Z", status: 404 }),
          },
        ],
      });
    logs
      .on(FilterLogEventsCommand, { logGroupName: GROUPS.OrderStreamLogGroup })
      .resolves({ events: [{ eventId: "o1", timestamp: NOW - 1000, message: JSON.stringify(orderEntry) }] });
    const io = captureIo();

    await logsMain(["--stage", "dev", "--filter", "{ $.status = * }"], io, () => NOW);

    const startTime = NOW - 10 * 60_000;
    expect(filterCalls()).toEqual([
      { logGroupName: GROUPS.HttpLogGroup, startTime, filterPattern: "{ $.status = * }" },
      { logGroupName: GROUPS.OrderStreamLogGroup, startTime, filterPattern: "{ $.status = * }" },
      { logGroupName: GROUPS.MetricsJobLogGroup, startTime, filterPattern: "{ $.status = * }" },
      { logGroupName: GROUPS.ImageProcessorLogGroup, startTime, filterPattern: "{ $.status = * }" },
      {
        logGroupName: GROUPS.HttpLogGroup,
        startTime,
        filterPattern: "{ $.status = * }",
        nextToken: "page-2",
      },
    ]);
    expect(io.stdout).toEqual([
      "12:29:01.250 POST   /epoch 201 12.5ms req=req-1",
      "12:29:02.000 STREAM order ord-1 CONFIRMED lag=80ms req=req-2",
      "12:29:59.500 POST   /epoch 404 12.5ms req=req-1",
    ]);
  });

  it("--follow polls again from shortly before the newest event and prints each event once", async () => {
    const first = { eventId: "a", timestamp: NOW - 1000, message: JSON.stringify(requestEntry) };
    const late = {
      eventId: "b",
      timestamp: NOW - 800,
      message: JSON.stringify({
        ...requestEntry,
        timestamp: "2026-12-04T12:29:59.200Z",
        requestId: "req-late",
      }),
    };
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [first] })
      .resolvesOnce({ events: [first, late] })
      .resolves({ events: [late] });
    const stop = new AbortController();
    let polls = 0;
    const io = captureIo();

    await tailLogs(
      new CloudWatchLogsClient({ region: "us-east-1" }),
      {
        groups: [{ fn: "http", logGroupName: GROUPS.HttpLogGroup }],
        startTime: NOW - 60_000,
        follow: true,
        signal: stop.signal,
        sleep: async () => {
          if (++polls === 4) stop.abort();
        },
      },
      io,
    );

    expect(filterCalls().map((c) => c.startTime)).toEqual([
      NOW - 60_000,
      NOW - 1000 - FOLLOW_OVERLAP_MS,
      NOW - 800 - FOLLOW_OVERLAP_MS,
      // Nothing new in the third poll: the window does not slide back.
      NOW - 800 - FOLLOW_OVERLAP_MS,
    ]);
    expect(io.stdout).toEqual([
      "12:29:01.250 POST   /epoch 201 12.5ms req=req-1",
      "12:29:59.200 POST   /epoch 201 12.5ms req=req-late",
    ]);
  });

  it("uses --region when it is one of the stage's regions, and refuses another", async () => {
    await logsMain(
      ["--stage", "dev", "--region", "us-east-1", "--function", "metrics-job"],
      captureIo(),
      () => NOW,
    );
    expect(filterCalls()).toEqual([{ logGroupName: GROUPS.MetricsJobLogGroup, startTime: NOW - 600_000 }]);

    await expect(
      logsMain(["--stage", "dev", "--region", "eu-west-1"], captureIo(), () => NOW),
    ).rejects.toThrow(
      new UsageError("Stage dev is not deployed to eu-west-1: its regions are us-east-1 (--region)"),
    );
  });

  it("says how to configure credentials before calling AWS when there are none", async () => {
    noAwsCredentials();

    const run = logsMain(["--stage", "dev"], captureIo(), () => NOW);

    await expect(run).rejects.toThrow(
      /^No usable AWS credentials for stage dev in us-east-1 \(.*\)\.\nConfigure credentials with `aws configure sso`/s,
    );
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  it("names the missing stack and how to deploy it", async () => {
    await expect(logsMain(["--stage", "staging"], captureIo(), () => NOW)).rejects.toThrow(
      "No stack meridian-staging-stateless in us-east-1: deploy the stage first (`npm run deploy -- --stage staging`), or pass --region <one of its regions>.",
    );
  });

  it("refuses an unknown function, a bad --since and a missing --stage as usage mistakes", async () => {
    await expect(logsMain(["--stage", "dev", "--function", "web"], captureIo())).rejects.toThrow(
      new UsageError(
        '--function must be one of http, order-stream, metrics-job, image-processor (got "web")',
      ),
    );
    await expect(logsMain(["--stage", "dev", "--since", "ten"], captureIo())).rejects.toThrow(UsageError);
    await expect(logsMain([], captureIo())).rejects.toThrow(
      new UsageError("--stage <name> is required (dev, staging, prod or a personal stage)"),
    );
    await expect(logsMain(["--stage", "dev", "--tail"], captureIo())).rejects.toThrow(UsageError);
    expect(filterCalls()).toHaveLength(0);
  });

  it("--since takes an ISO 8601 time", async () => {
    await logsMain(
      ["--stage", "dev", "--function", "http", "--since", "2026-12-04T11:00:00Z"],
      captureIo(),
      () => NOW,
    );
    expect(filterCalls()[0]?.startTime).toBe(Date.parse("2026-12-04T11:00:00Z"));
  });
});
