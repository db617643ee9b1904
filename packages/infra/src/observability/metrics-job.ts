import { Duration, type RemovalPolicy, Validations } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { StageConfig } from "../config/stages.ts";

export interface MetricsScheduleProps {
  stage: StageConfig;
  /** The metrics-job function. */
  target: IFunction;
  removalPolicy: RemovalPolicy;
}

/**
 * Runs the metrics job every `metricsJobPeriodMinutes` (its `METRICS_INTERVAL_SECONDS` is the same period).
 *
 * An EventBridge rule (aws-events) rather than EventBridge Scheduler: a fixed rate is all it needs, the rule
 * invokes through a resource-based Lambda permission (Scheduler needs an IAM role of its own to hold), and
 * both offer what matters here, a retry policy and a dead-letter queue. Scheduler's extras (time zones,
 * one-off schedules, flexible windows) are not needed.
 *
 * Two layers of retry, both bounded by one period, after which the next run covers the job anyway:
 * - delivery: EventBridge retries an invocation Lambda refused (throttled, function missing) and then puts the
 *   event in the dead-letter queue;
 * - execution: Lambda's own asynchronous retries (2) when the job fails. The job writes a marker item per
 *   interval, so a retry never publishes an interval twice.
 */
export class MetricsSchedule extends Construct {
  readonly rule: Rule;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: MetricsScheduleProps) {
    super(scope, id);
    const { stage, target } = props;
    const period = Duration.minutes(stage.metricsJobPeriodMinutes);

    this.deadLetterQueue = new Queue(this, "Dlq", {
      queueName: `meridian-${stage.name}-metrics-job-dlq`,
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
    });
    const isDlq =
      "This queue is the dead-letter destination of the metrics job's schedule; it has none of its own by design.";
    Validations.of(this.deadLetterQueue).acknowledge(
      { id: "AwsSolutions::AwsSolutions-SQS3", reason: isDlq },
      { id: "cdk-validator-cfnguard::sqs_dlq_check", reason: isDlq },
    );

    this.rule = new Rule(this, "Rule", {
      ruleName: `meridian-${stage.name}-metrics-job`,
      description: `Meridian ${stage.name}: runs the metrics job every ${stage.metricsJobPeriodMinutes} minute(s)`,
      schedule: Schedule.rate(period),
      targets: [
        new LambdaFunction(target, {
          retryAttempts: 3,
          maxEventAge: period,
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });
    target.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: period });
  }
}
