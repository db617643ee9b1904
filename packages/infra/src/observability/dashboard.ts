import { Duration } from "aws-cdk-lib";
import {
  type Alarm,
  AlarmStatusWidget,
  AlarmStatusWidgetSortBy,
  Dashboard,
  GraphWidget,
  type IMetric,
  LogQueryWidget,
  MathExpression,
  TextWidget,
} from "aws-cdk-lib/aws-cloudwatch";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { StageConfig } from "../config/stages.ts";
import type { FrontDoor } from "../front-doors/index.ts";
import {
  BusinessMetric,
  HttpMetric,
  JobMetric,
  meridianMetric,
  meridianSearch,
  ORDER_STATUSES,
  SERVICE,
} from "./meridian-metrics.ts";

/**
 * Dashboards are global to an account, not regional: a single-region stage gets `meridian-<stage>`, a stage in
 * several regions one `meridian-<stage>-<region>` per region.
 */
export function dashboardName(stage: StageConfig, region: string): string {
  return stage.regions.length === 1 ? `meridian-${stage.name}` : `meridian-${stage.name}-${region}`;
}

export interface StageDashboardProps {
  stage: StageConfig;
  region: string;
  frontDoor: FrontDoor;
  functions: Record<string, IFunction>;
  orderStream: IFunction;
  deadLetterQueues: Record<string, IQueue>;
  tables: Record<string, ITable>;
  alarms: Alarm[];
  /** The functions' log groups, for the recent-errors query. */
  logGroupNames: string[];
}

const minute = Duration.minutes(1);
const FULL = 24;

/**
 * One CloudWatch dashboard per stage and region, top to bottom: alarm status; traffic, errors and latency (the
 * front door's own metrics next to the app's per-route ones); business events; what the metrics job reports;
 * the functions; the order stream, dead-letter queues and table throttling; the latest ERROR log entries.
 * docs/operations.md explains how to read it.
 */
export class StageDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: StageDashboardProps) {
    super(scope, id);
    const { stage, region, frontDoor } = props;
    const http = SERVICE.http;
    const jobPeriod = Duration.minutes(stage.metricsJobPeriodMinutes);
    const fns = Object.entries(props.functions);

    this.dashboard = new Dashboard(this, "Dashboard", {
      dashboardName: dashboardName(stage, region),
      defaultInterval: Duration.hours(3),
    });

    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          `# Meridian ${stage.name} (${region}, front door \`${stage.frontDoor}\`)\n` +
          "Alarms first, then traffic, errors, latency, business events, the metrics job, the functions, and " +
          "the order stream. Each alarm has a runbook entry in docs/operations.md, named after the alarm.",
        width: FULL,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new AlarmStatusWidget({
        title: "Alarms",
        alarms: props.alarms,
        sortBy: AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
        width: FULL,
        height: 4,
      }),
    );

    // Traffic
    this.dashboard.addWidgets(
      graph("Requests by route (app, per minute)", [
        meridianSearch(HttpMetric.Requests, http, ["route"], { statistic: "Sum" }),
      ]),
      graph("Requests at the front door (per minute)", [frontDoor.metricRequests()]),
    );
    // Errors
    this.dashboard.addWidgets(
      graph("5xx: front door and by route (app)", [
        frontDoor.metricServerErrors(),
        meridianSearch(HttpMetric.Errors, http, ["route"], { statistic: "Sum" }),
      ]),
      graph("4xx: front door and by route (app)", [
        frontDoor.metricClientErrors(),
        meridianSearch(HttpMetric.ClientErrors, http, ["route"], { statistic: "Sum" }),
      ]),
    );
    // Latency
    this.dashboard.addWidgets(
      graph(
        "Latency at the front door (ms): p50, p99",
        [frontDoor.metricLatency("p50"), frontDoor.metricLatency("p99")],
        { threshold: { value: stage.alarms.p99LatencyMs, label: "p99 alarm" } },
      ),
      graph("Latency by route (app, ms): p50, p99", [
        meridianSearch(HttpMetric.Latency, http, ["route"], { statistic: "p50" }),
        meridianSearch(HttpMetric.Latency, http, ["route"], { statistic: "p99" }),
      ]),
    );

    // Business events (5-minute sums)
    const fiveMinutes = { period: Duration.minutes(5) };
    this.dashboard.addWidgets(
      graph(
        "Epochs recorded",
        [meridianMetric(BusinessMetric.EpochsRecorded, { service: http }, fiveMinutes)],
        { width: 8 },
      ),
      graph(
        "Orders: placed, confirmed, rejected, stock-outs; stream records skipped (not orders)",
        [
          meridianMetric(BusinessMetric.OrdersPlaced, { service: http }, fiveMinutes),
          meridianMetric(BusinessMetric.OrdersConfirmed, { service: SERVICE.orderStream }, fiveMinutes),
          meridianMetric(BusinessMetric.OrdersRejected, { service: SERVICE.orderStream }, fiveMinutes),
          meridianMetric(BusinessMetric.StockOuts, { service: SERVICE.orderStream }, fiveMinutes),
          meridianMetric(BusinessMetric.StreamRecordsSkipped, { service: SERVICE.orderStream }, fiveMinutes),
        ],
        { width: 8 },
      ),
      graph(
        "Cold starts by function",
        Object.values(SERVICE).map((service) =>
          meridianMetric(BusinessMetric.ColdStart, { service }, { ...fiveMinutes, label: service }),
        ),
        { width: 8 },
      ),
    );

    // The metrics job: one datapoint per interval
    const job = { service: SERVICE.metricsJob };
    const jobOptions = { statistic: "Maximum", period: jobPeriod };
    this.dashboard.addWidgets(
      graph("Epochs in the job's interval", [meridianMetric(JobMetric.EpochsInInterval, job, jobOptions)], {
        width: 6,
      }),
      graph(
        "Orders by status",
        ORDER_STATUSES.map((status) =>
          meridianMetric(
            JobMetric.OrdersByStatus,
            { ...job, status },
            { ...jobOptions, label: status.toLowerCase() },
          ),
        ),
        { width: 6 },
      ),
      graph(
        "Oldest PENDING order (s)",
        [meridianMetric(JobMetric.OldestPendingOrderAgeSeconds, job, jobOptions)],
        { width: 6, threshold: { value: stage.alarms.oldestPendingOrderAgeSeconds, label: "alarm" } },
      ),
      graph(
        "Tables: size (bytes, left) and items (right)",
        [meridianSearch(JobMetric.TableSizeBytes, SERVICE.metricsJob, ["table"], jobOptions)],
        {
          width: 6,
          right: [meridianSearch(JobMetric.TableItemCount, SERVICE.metricsJob, ["table"], jobOptions)],
        },
      ),
    );

    // The functions
    this.dashboard.addWidgets(
      graph(
        "Lambda errors",
        fns.map(([service, fn]) => fn.metricErrors({ period: minute, statistic: "Sum", label: service })),
        { width: 8 },
      ),
      graph(
        "Lambda throttles",
        fns.map(([service, fn]) => fn.metricThrottles({ period: minute, statistic: "Sum", label: service })),
        { width: 8 },
      ),
      graph(
        "Lambda duration p99 (ms)",
        fns.map(([service, fn]) => fn.metricDuration({ period: minute, statistic: "p99", label: service })),
        { width: 8 },
      ),
    );

    // Stream, queues, tables
    this.dashboard.addWidgets(
      graph(
        "Order stream iterator age (max, ms)",
        [props.orderStream.metric("IteratorAge", { period: minute, statistic: "Maximum" })],
        { width: 8, threshold: { value: stage.alarms.iteratorAgeSeconds * 1000, label: "alarm" } },
      ),
      graph(
        "Dead-letter queues (messages visible)",
        Object.entries(props.deadLetterQueues).map(([name, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({
            period: minute,
            statistic: "Maximum",
            label: name,
          }),
        ),
        { width: 8 },
      ),
      graph(
        "DynamoDB throttle events (read + write)",
        Object.entries(props.tables).map(
          ([name, table], i) =>
            new MathExpression({
              label: name,
              expression: `FILL(r${i}, 0) + FILL(w${i}, 0)`,
              period: minute,
              usingMetrics: {
                [`r${i}`]: table.metric("ReadThrottleEvents", { period: minute, statistic: "Sum" }),
                [`w${i}`]: table.metric("WriteThrottleEvents", { period: minute, statistic: "Sum" }),
              },
            }),
        ),
        { width: 8 },
      ),
    );

    this.dashboard.addWidgets(
      new LogQueryWidget({
        title: "Latest ERROR log entries (all functions)",
        logGroupNames: props.logGroupNames,
        queryLines: [
          "fields @timestamp, service, message, requestId, correlationId, orderId, route, status",
          'filter level = "ERROR"',
          "sort @timestamp desc",
          "limit 50",
        ],
        width: FULL,
        height: 6,
      }),
    );
  }
}

function graph(
  title: string,
  left: IMetric[],
  options: { width?: number; right?: IMetric[]; threshold?: { value: number; label: string } } = {},
): GraphWidget {
  return new GraphWidget({
    title,
    left,
    right: options.right,
    width: options.width ?? 12,
    height: 6,
    leftAnnotations: options.threshold ? [options.threshold] : undefined,
  });
}
