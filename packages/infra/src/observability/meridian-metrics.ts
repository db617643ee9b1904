import {
  BusinessMetric,
  HttpMetric,
  JobMetric,
  METRICS_NAMESPACE,
  ORDER_STATUSES,
  SERVICE,
} from "@meridian/core";
import { Duration } from "aws-cdk-lib";
import { type IMetric, MathExpression, Metric } from "aws-cdk-lib/aws-cloudwatch";

/**
 * CloudWatch views of the metrics the functions write as EMF lines (names and dimensions come from
 * @meridian/core, the one contract for emitters, alarms, this dashboard and the sandbox). EMF goes through the
 * functions' stdout, so no function needs cloudwatch:PutMetricData.
 */
export { BusinessMetric, HttpMetric, JobMetric, METRICS_NAMESPACE, ORDER_STATUSES, SERVICE };

export interface MeridianMetricOptions {
  statistic?: string;
  period?: Duration;
  label?: string;
}

/** One Meridian metric with exactly these dimensions. */
export function meridianMetric(
  metricName: string,
  dimensions: Record<string, string>,
  options: MeridianMetricOptions = {},
): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: dimensions,
    statistic: options.statistic ?? "Sum",
    period: options.period ?? Duration.minutes(5),
    label: options.label,
  });
}

/**
 * Every series of `metricName` whose dimensions are exactly `{service, ...byDimensions}` for `service`, one line
 * per value of the other dimensions (routes, tables): a CloudWatch SEARCH, so a new route shows up without a
 * deploy. Dashboards only: alarms cannot use SEARCH.
 */
export function meridianSearch(
  metricName: string,
  service: string,
  byDimensions: readonly string[],
  options: { statistic: string; period?: Duration; label?: string },
): IMetric {
  const period = options.period ?? Duration.minutes(1);
  const schema = [METRICS_NAMESPACE, "service", ...byDimensions].join(",");
  return new MathExpression({
    expression: `SEARCH('{${schema}} MetricName="${metricName}" service="${service}"', '${options.statistic}', ${period.toSeconds()})`,
    usingMetrics: {},
    period,
    label: options.label ?? "",
  });
}
