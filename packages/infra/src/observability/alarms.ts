import { Duration } from "aws-cdk-lib";
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { StageConfig } from "../config/stages.ts";
import type { FrontDoor } from "../front-doors/index.ts";
import { JobMetric, meridianMetric, SERVICE } from "./meridian-metrics.ts";

/** Where each alarm's entry is in the runbook (docs/operations.md); the anchor is the alarm's name suffix. */
export const RUNBOOK = "docs/operations.md";

export interface StageAlarmsProps {
  stage: StageConfig;
  /** Gets every alarm's ALARM and OK notifications. */
  topic: ITopic;
  frontDoor: FrontDoor;
  /** Each function by its service name (`http`, `order-stream`, `metrics-job`). */
  functions: Record<string, IFunction>;
  /** The function reading the orders stream (its IteratorAge). */
  orderStream: IFunction;
  /** The image processor: its errors alarm on their own (`image-processor-errors`). */
  imageProcessor?: IFunction;
  /** Each dead-letter queue by a short name (`order-stream`, `metrics-job`). */
  deadLetterQueues: Record<string, IQueue>;
  /** Each table by its short name (`epochs`, `orders`, ...). */
  tables: Record<string, ITable>;
}

/**
 * Every alarm of a stage, named `meridian-<stage>-<what>`, each notifying the alert topic when it fires and when
 * it recovers. Missing data is a decision per alarm, written next to it: "no datapoints" means "nothing happened"
 * for counts of bad events (NOT_BREACHING), but "we are blind" for the metrics job's output (BREACHING).
 */
export class StageAlarms extends Construct {
  /** In creation order; the dashboard's alarm status widget shows them all. */
  readonly alarms: Alarm[] = [];
  private readonly stageName: string;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: StageAlarmsProps) {
    super(scope, id);
    const { stage, frontDoor } = props;
    this.stageName = stage.name;
    this.action = new SnsAction(props.topic);
    const minute = Duration.minutes(1);

    // Front door 5xx: every front door reports 5xx per minute (API Gateway 5xx / 5XXError by API and stage,
    // ALB target + load balancer 5xx). Two bad minutes out of three, so one spike does not page. Missing data:
    // API Gateway reports 0 while there is traffic and the ALB reports nothing while there are no 5xx, so no
    // data means no errors.
    this.add("http-5xx", {
      description: `>= ${stage.alarms.http5xxPerMinute} 5xx responses a minute at the ${stage.frontDoor} front door`,
      metric: frontDoor.metricServerErrors(),
      threshold: stage.alarms.http5xxPerMinute,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // p99 latency at the front door rather than Meridian/Latency: it is what clients see (cold starts and the
    // integration included), it is one series per stage (Meridian/Latency has one per route, and an alarm
    // cannot SEARCH), and it still exists when the function fails before it could emit anything. Five of five
    // minutes: a sustained slowdown, not a burst of cold starts. No traffic, no latency: not breaching.
    this.add("http-p99-latency", {
      description: `p99 latency above ${stage.alarms.p99LatencyMs} ms for 5 minutes at the ${stage.frontDoor} front door`,
      metric: frontDoor.metricLatency("p99"),
      threshold: stage.alarms.p99LatencyMs,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // Lambda errors (uncaught exceptions, timeouts, out of memory; a mapped 4xx/5xx response is not one) and
    // throttles, per function. Any in a minute is worth a look. No invocations, no datapoints: not breaching.
    for (const [service, fn] of Object.entries(props.functions)) {
      this.add(`lambda-${service}-errors`, {
        description: `the ${service} function failed (uncaught error, timeout or out of memory)`,
        metric: fn.metricErrors({ period: minute, statistic: "Sum" }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      this.add(`lambda-${service}-throttles`, {
        description: `the ${service} function was throttled (concurrency limit reached)`,
        metric: fn.metricThrottles({ period: minute, statistic: "Sum" }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }

    // The order stream falls behind: IteratorAge (ms) is the age of the last record of each batch read. Three
    // minutes in a row, so one slow batch does not page. No batches, no datapoints: nothing is waiting.
    this.add("order-stream-iterator-age", {
      description: `the order stream is more than ${stage.alarms.iteratorAgeSeconds} s behind (IteratorAge)`,
      metric: props.orderStream.metric("IteratorAge", { period: minute, statistic: "Maximum" }),
      threshold: stage.alarms.iteratorAgeSeconds * 1000,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // The image processor failed an invocation (an uncaught error, its 47 s timeout, out of memory, or a
    // stalled S3/DynamoDB call past its event deadline). Lambda retries the event twice, so one error loses
    // nothing yet, but the upload waits PROCESSING meanwhile and the same cause usually fails the retries too:
    // any in a minute is worth a look. An upload refused as no image is not an error (it is REJECTED). Not in
    // the `lambda-*-errors` loop: its runbook is about uploads. No throttles alarm: Lambda keeps a throttled
    // asynchronous event and retries it for up to 6 hours, so a throttle loses nothing.
    if (props.imageProcessor) {
      this.add("image-processor-errors", {
        description:
          "the image processor failed (uncaught error, timeout or out of memory); Lambda retries the upload's event",
        metric: props.imageProcessor.metricErrors({ period: minute, statistic: "Sum" }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }

    // Anything in a dead-letter queue needs a person. SQS stops publishing queue metrics for a queue that has
    // been idle for a few hours: missing data is an empty, idle queue.
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      this.add(`${name}-dlq`, {
        description: `messages are waiting in the ${name} dead-letter queue`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: "Maximum",
        }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }

    // Orders stuck in PENDING, from the metrics job: one datapoint per job interval, time-stamped at the end of
    // the interval it reports (so it arrives up to one interval late). Period = interval, two in a row.
    // Missing data is BREACHING on purpose: the job publishes every interval (0 when nothing is pending), so
    // no data means the job is not running and nobody would see stuck orders. CloudWatch looks back over more
    // periods than it evaluates, so the one late, still-empty newest period does not count as missing.
    const interval = Duration.minutes(stage.metricsJobPeriodMinutes);
    this.add("oldest-pending-order", {
      description:
        `an order has been PENDING for more than ${stage.alarms.oldestPendingOrderAgeSeconds} s, ` +
        "or the metrics job stopped reporting",
      metric: meridianMetric(
        JobMetric.OldestPendingOrderAgeSeconds,
        { service: SERVICE.metricsJob },
        { statistic: "Maximum", period: interval },
      ),
      threshold: stage.alarms.oldestPendingOrderAgeSeconds,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.BREACHING,
    });

    // DynamoDB throttling per table, reads and writes together (ReadThrottleEvents/WriteThrottleEvents by
    // TableName; ThrottledRequests would need one alarm per operation). On-demand tables throttle only on a hot
    // partition or above the table's on-demand limits, so any is worth a look. DynamoDB publishes these only
    // when they occur: missing data is no throttling.
    for (const [name, table] of Object.entries(props.tables)) {
      this.add(`dynamodb-${name}-throttles`, {
        description: `reads or writes to the ${name} table were throttled`,
        metric: new MathExpression({
          label: `${name} read + write throttle events`,
          expression: "FILL(reads, 0) + FILL(writes, 0)",
          period: minute,
          usingMetrics: {
            reads: table.metric("ReadThrottleEvents", { period: minute, statistic: "Sum" }),
            writes: table.metric("WriteThrottleEvents", { period: minute, statistic: "Sum" }),
          },
        }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
  }

  private add(
    name: string,
    props: {
      description: string;
      metric: IMetric;
      threshold: number;
      comparisonOperator: ComparisonOperator;
      evaluationPeriods: number;
      datapointsToAlarm?: number;
      treatMissingData: TreatMissingData;
    },
  ): Alarm {
    const { description, ...rest } = props;
    const alarm = new Alarm(this, name, {
      ...rest,
      alarmName: `meridian-${this.stageName}-${name}`,
      alarmDescription: `Meridian ${this.stageName}: ${description}. Runbook: ${RUNBOOK}#${name}`,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }
}
