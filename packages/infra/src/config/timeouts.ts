import { BUDGETS, budgetProblems, COGNITO_TRIGGER_LIMIT_MS, orderStreamWorstCaseMs } from "@meridian/core";
import { Duration } from "aws-cdk-lib";

/** Room above a budget for what runs after it: the error response, the log line, a trace flush. */
const MARGIN_MS = 2_000;

const problems = budgetProblems();
if (problems.length > 0)
  throw new Error(`BUDGETS (packages/core/src/shared/budgets.ts): ${problems.join("; ")}`);

const seconds = (ms: number) => Duration.seconds(Math.ceil(ms / 1000));

/**
 * Each function's timeout, derived from the budgets its code keeps (@meridian/core's BUDGETS): a function
 * is never stopped by Lambda while its code would still answer for itself, so a stalled dependency ends in
 * the app's 503 (or a batch handed back for retry), not in a Lambda timeout.
 */
export const FUNCTION_TIMEOUTS = {
  /** The request deadline (503 after it) plus the margin: 5 s. */
  http: seconds(BUDGETS.http.requestMs + MARGIN_MS),
  /** Records start until the batch deadline; the last ones run their calls' budgets: 32 s. */
  orderStream: seconds(orderStreamWorstCaseMs() + MARGIN_MS),
  /** The run's deadline plus the margin: 42 s. */
  metricsJob: seconds(BUDGETS.metricsJob.runMs + MARGIN_MS),
  /**
   * The lookup's deadline plus the margin: 5 s, which is all Cognito waits for a trigger anyway. Past the
   * lookup's deadline the code has already answered without the admin group.
   */
  preToken: seconds(BUDGETS.preToken.lookupMs + MARGIN_MS),
  /**
   * The event's deadline plus the margin: 47 s. Past `eventMs` the handler fails the invocation itself (a
   * stalled S3 or DynamoDB call), and Lambda's asynchronous retries take over. S3 puts one record in each
   * event, so one deadline is the whole invocation's.
   */
  imageProcessor: seconds(BUDGETS.imageProcessor.eventMs + MARGIN_MS),
} as const;

if (FUNCTION_TIMEOUTS.preToken.toMilliseconds() > COGNITO_TRIGGER_LIMIT_MS)
  throw new Error("BUDGETS.preToken.lookupMs leaves the trigger's timeout above Cognito's 5 s limit");

/**
 * What a cold start may spend before the handler runs: loading the bundle (well under a second, see
 * docs/performance.md) and reading the app secret from Secrets Manager within its budget.
 */
const INIT_MS = BUDGETS.secret.totalMs + MARGIN_MS;

/**
 * How long API Gateway waits for the HTTP function (its integration timeout, at most 29 s for a REST API and
 * 30 s for an HTTP API). It counts a cold start's init too, so it is the init's worst case plus the
 * function's timeout plus a second: 13 s. The front door never answers 504 while the function can still
 * answer 503 itself. The ALB waits as long as its idle timeout (60 s).
 */
export const FRONT_DOOR_TIMEOUT = seconds(INIT_MS + FUNCTION_TIMEOUTS.http.toMilliseconds() + 1_000);
