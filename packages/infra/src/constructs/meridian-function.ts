import { existsSync } from "node:fs";
import { basename, dirname } from "node:path";
import { FUNCTION_VARIABLES } from "@meridian/functions";
import {
  AssetHashType,
  BundlingOutput,
  DockerImage,
  type Duration,
  type ILocalBundling,
  type RemovalPolicy,
  Stack,
  Validations,
} from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import {
  Architecture,
  Code,
  type FunctionProps,
  Function as LambdaFunction,
  Runtime,
  RuntimeFamily,
  Tracing,
} from "aws-cdk-lib/aws-lambda";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import {
  buildLambdaSync,
  LAMBDA_HANDLER,
  LAMBDA_NODE_MAJOR,
  nativePackagesRoot,
} from "../bundling/lambda-bundle.ts";
import { NATIVE_PLATFORMS, type NativePackages, type NativePlatform } from "../bundling/native-packages.ts";
import type { LogLevel } from "../config/stages.ts";
import { projectLogGroup } from "./log-group.ts";

/** The Lambda runtime of `LAMBDA_NODE_MAJOR` (bundling/lambda-bundle.ts), which the bundle targets too. */
export const FUNCTION_RUNTIME = nodeRuntime(LAMBDA_NODE_MAJOR);
export const FUNCTION_ARCHITECTURE = Architecture.ARM_64;
/** The platform whose prebuilt binaries a function's native packages ship with: its architecture's. */
export const FUNCTION_NATIVE_PLATFORM: NativePlatform = "linux-arm64";

/**
 * Context key that ships another platform's binaries (`-c meridian:nativePlatform=linux-x64`): for tests that
 * run a bundle on this x64 machine, never for a deploy, since Lambda runs the arm64 ones.
 */
export const NATIVE_PLATFORM_CONTEXT = "meridian:nativePlatform";

function nodeRuntime(major: number): Runtime {
  const runtime = Runtime.ALL.find(
    (r) => r.family === RuntimeFamily.NODEJS && r.name === `nodejs${major}.x` && !r.isVariable,
  );
  if (!runtime) throw new Error(`aws-cdk-lib offers no Lambda runtime nodejs${major}.x`);
  return runtime;
}

/**
 * DynamoDB actions a function may be granted: item actions plus DescribeTable (read-only table metadata such as
 * item count and size, which the metrics job reports). Anything broader is not on the list on purpose.
 */
export type DynamoDbAction =
  | "dynamodb:DescribeTable"
  | "dynamodb:GetItem"
  | "dynamodb:BatchGetItem"
  | "dynamodb:Query"
  | "dynamodb:PutItem"
  | "dynamodb:UpdateItem"
  | "dynamodb:DeleteItem"
  | "dynamodb:BatchWriteItem"
  | "dynamodb:ConditionCheckItem";

/** S3 object actions a function may be granted, each on key patterns of one bucket (`bindBucket`). */
export type S3ObjectAction = "s3:GetObject" | "s3:PutObject" | "s3:PutObjectTagging" | "s3:DeleteObject";

export interface BucketAccess {
  /** Object actions, each on the key patterns listed (`products/*\/uploads/*`). */
  objects: ReadonlyArray<{ actions: readonly S3ObjectAction[]; keys: readonly string[] }>;
  /**
   * s3:ListBucket on the bucket, only for listings whose prefix matches one of these patterns (the
   * `s3:prefix` condition). Listing also turns a GetObject of a missing key into 404 instead of 403.
   */
  listPrefixes?: readonly string[];
}

export interface MeridianFunctionProps
  extends Omit<
    FunctionProps,
    "runtime" | "architecture" | "logGroup" | "logRetention" | "tracing" | "role" | "code" | "handler"
  > {
  /** The TypeScript file exporting the handler. */
  entry: string;
  /** Derived from the budgets the code keeps: FUNCTION_TIMEOUTS (config/timeouts.ts). */
  timeout: Duration;
  logRetention: RetentionDays;
  /** What happens to the log group when the function is removed (RETAIN in prod). */
  logRemovalPolicy: RemovalPolicy;
  /** X-Ray active tracing; false means Tracing.DISABLED and no X-Ray permission. */
  tracing: boolean;
  /** The service name in logs and metric dimensions (`POWERTOOLS_SERVICE_NAME`): http, order-stream, ... */
  service: string;
  /** `LOG_LEVEL` of the function's structured logger. */
  logLevel: LogLevel;
  /**
   * Packages with native addons the entry imports (LAMBDA_NATIVE_PACKAGES): external to the bundle and
   * shipped beside it with the binaries of `FUNCTION_NATIVE_PLATFORM`.
   */
  nativePackages?: readonly string[];
}

/**
 * The project's Lambda function: Node.js LTS on arm64, bundled by esbuild as minified, code-split ESM with
 * source maps and the AWS SDK inside (`index.mjs` plus `chunks/`, see bundling/lambda-bundle.ts), an explicit log group with retention, optional X-Ray tracing, the logging env
 * (`LOG_LEVEL`, `POWERTOOLS_SERVICE_NAME`, `TRACING_ENABLED`) and a role that starts empty. Resources are attached with
 * `bindTable` / `bindSecret`, which grant exactly the listed actions on that one resource and set the
 * environment variable the code reads, in one call. Variable names come from the function's environment
 * contract in @meridian/functions (`httpEnvironment.variables`, ...), never from string literals here.
 *
 * @example
 * const fn = new MeridianFunction(this, "Http", {
 *   entry, logRetention, logRemovalPolicy, tracing: true, service: "http", logLevel: "INFO",
 * });
 * const { tables, appSecretArn } = httpEnvironment.variables;
 * fn.bindTable(epochs, tables.epochs, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]);
 * fn.bindSecret(appSecret, appSecretArn);
 */
export class MeridianFunction extends LambdaFunction {
  constructor(scope: Construct, id: string, props: MeridianFunctionProps) {
    const {
      entry,
      logRetention,
      logRemovalPolicy,
      tracing,
      service,
      logLevel,
      environment,
      nativePackages,
      ...rest
    } = props;
    const native = nativePackages?.length
      ? { packages: nativePackages, platform: nativePlatform(scope), resolveFrom: nativePackagesRoot() }
      : undefined;
    // Created before super() so the function can point at them; scope-level ids keep them unique per function.
    const logGroup = projectLogGroup(scope, `${id}Logs`, {
      retention: logRetention,
      removalPolicy: logRemovalPolicy,
    });
    // Our own role instead of the AWSLambdaBasicExecutionRole managed policy: writes to this log group only.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `Execution role of ${id}; grants come from bindTable/bindSecret`,
    });
    super(scope, id, {
      memorySize: 512,
      ...rest,
      runtime: FUNCTION_RUNTIME,
      architecture: FUNCTION_ARCHITECTURE,
      role,
      logGroup,
      tracing: tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      code: bundledCode(entry, native),
      handler: LAMBDA_HANDLER,
      environment: {
        [FUNCTION_VARIABLES.logLevel]: logLevel,
        // Powertools' conventional name for the service; no loader of ours reads it (the code names its own).
        POWERTOOLS_SERVICE_NAME: service,
        // The code loads its X-Ray tracer only when told to, so it costs nothing where tracing is off.
        [FUNCTION_VARIABLES.tracingEnabled]: String(tracing),
        ...environment,
      },
    });
    logGroup.grantWrite(role);

    if (tracing) {
      Validations.of(role).acknowledge({
        id: "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
        reason:
          "X-Ray's xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; " +
          "AWS requires Resource '*' (https://docs.aws.amazon.com/xray/latest/devguide/security_iam_id-based-policy-examples.html).",
      });
    }
    Validations.of(this).acknowledge({
      id: "cdk-validator-cfnguard::lambda_inside_vpc_check",
      reason:
        "The functions call only AWS APIs (DynamoDB, Secrets Manager) over TLS with IAM auth. A VPC would add NAT " +
        "or interface endpoints (fixed monthly cost, cold-start ENI setup) and no protection for these calls.",
    });
  }

  /**
   * Grants exactly `actions` on `table` and sets `envName` to the table name. `indexes` adds dynamodb:Query on
   * those global secondary indexes only. A transaction needs the per-item action of each of its parts
   * (TransactWriteItems of Puts needs PutItem, of Updates UpdateItem).
   */
  bindTable(
    table: ITable,
    envName: string,
    actions: readonly DynamoDbAction[],
    options: { indexes?: readonly string[] } = {},
  ): this {
    if (actions.length === 0) throw new Error(`bindTable(${envName}) needs at least one action`);
    this.addToRolePolicy(new PolicyStatement({ actions: [...actions], resources: [table.tableArn] }));
    if (options.indexes?.length) {
      this.addToRolePolicy(
        new PolicyStatement({
          actions: ["dynamodb:Query"],
          resources: options.indexes.map((index) => `${table.tableArn}/index/${index}`),
        }),
      );
    }
    this.addEnvironment(envName, table.tableName);
    return this;
  }

  /**
   * Grants exactly the object actions of `access` on its key patterns of `bucket` (and s3:ListBucket for its
   * prefixes) and sets `envName` to the bucket's name.
   */
  bindBucket(bucket: IBucket, envName: string, access: BucketAccess): this {
    if (access.objects.length === 0) throw new Error(`bindBucket(${envName}) needs at least one grant`);
    for (const { actions, keys } of access.objects) {
      const resources = keys.map((k) => bucket.arnForObjects(k));
      this.addToRolePolicy(new PolicyStatement({ actions: [...actions], resources }));
      // A key pattern is the narrowest grant S3 allows where keys hold ids (`products/<id>/uploads/<id>`).
      for (const resource of resources.filter((r) => r.includes("*"))) {
        Validations.of(this.role ?? this).acknowledge({
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nagResource(this, resource)}]`,
          reason:
            `${actions.join(", ")} on one key pattern of one bucket: the keys carry product and image ids, so ` +
            "the prefix the code writes or reads is the narrowest resource S3 can be granted on.",
        });
      }
    }
    if (access.listPrefixes?.length) {
      this.addToRolePolicy(
        new PolicyStatement({
          actions: ["s3:ListBucket"],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { "s3:prefix": [...access.listPrefixes] } },
        }),
      );
    }
    this.addEnvironment(envName, bucket.bucketName);
    return this;
  }

  /** Grants secretsmanager:GetSecretValue on `secret` only and sets `envName` to its ARN. */
  bindSecret(secret: ISecret, envName: string): this {
    this.addToRolePolicy(
      new PolicyStatement({ actions: ["secretsmanager:GetSecretValue"], resources: [secret.secretArn] }),
    );
    this.addEnvironment(envName, secret.secretArn);
    return this;
  }
}

/**
 * The function's code: the entry bundled by `buildLambdaSync` on this machine, the way NodejsFunction packages
 * its bundle (a directory asset whose only content is the bundler's output, hashed by that output). The asset's
 * source is the entry's own folder, never the repository: nothing is copied or fingerprinted from it, and
 * `cdk.out` cannot end up inside. Where a test skips bundling (context `aws:cdk:bundling-stacks: []`), CDK calls
 * no bundler and hashes the construct path instead.
 */
function bundledCode(entry: string, native?: NativePackages): Code {
  // Checked here because a synth that skips bundling would not notice.
  if (!existsSync(entry)) throw new Error(`MeridianFunction: no entry file at ${entry}`);
  return Code.fromAsset(dirname(entry), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type, never pulled: `local` always bundles, or throws.
      image: DockerImage.fromRegistry("meridian-bundles-locally-with-esbuild"),
      outputType: BundlingOutput.NOT_ARCHIVED,
      local: new LocalEsbuild(entry, native),
    },
  });
}

class LocalEsbuild implements ILocalBundling {
  /** Part of CDK's asset cache key (bundling options are compared as JSON): two entries in one folder differ. */
  readonly entryFile: string;
  /** Part of the cache key too: the same entry with another platform's binaries is another asset. */
  readonly native?: { packages: readonly string[]; platform: NativePlatform };
  readonly #entry: string;
  readonly #native?: NativePackages;

  constructor(entry: string, native?: NativePackages) {
    this.entryFile = basename(entry);
    this.native = native && { packages: native.packages, platform: native.platform };
    this.#entry = entry;
    this.#native = native;
  }

  tryBundle(outputDir: string): boolean {
    buildLambdaSync({ entry: this.#entry, outdir: outputDir, native: this.#native });
    return true;
  }
}

/**
 * A resource as cdk-nag names it in a finding (its flattening of Fn::Join, Ref and Fn::GetAtt): the id an
 * acknowledgement must carry. Only for values that resolve within the construct's own stack.
 */
export function nagResource(scope: Construct, value: string): string {
  const visit = (node: unknown): string => {
    if (typeof node === "string") return node.replace(/\$\{/g, "<").replace(/\}/g, ">");
    const cfn = node as {
      "Fn::Join"?: [string, unknown[]];
      Ref?: unknown;
      "Fn::GetAtt"?: [unknown, unknown];
    };
    if (cfn["Fn::Join"]) return cfn["Fn::Join"][1].map(visit).join(cfn["Fn::Join"][0]);
    if (cfn.Ref !== undefined) return `<${visit(cfn.Ref)}>`;
    if (cfn["Fn::GetAtt"]) return `<${visit(cfn["Fn::GetAtt"][0])}.${visit(cfn["Fn::GetAtt"][1])}>`;
    return JSON.stringify(node);
  };
  return visit(Stack.of(scope).resolve(value));
}

/** FUNCTION_NATIVE_PLATFORM, unless the app's context names another (NATIVE_PLATFORM_CONTEXT, tests only). */
function nativePlatform(scope: Construct): NativePlatform {
  const wanted: unknown = scope.node.tryGetContext(NATIVE_PLATFORM_CONTEXT);
  if (wanted === undefined) return FUNCTION_NATIVE_PLATFORM;
  if (!NATIVE_PLATFORMS.includes(wanted as NativePlatform))
    throw new Error(`${NATIVE_PLATFORM_CONTEXT} must be one of ${NATIVE_PLATFORMS.join(", ")}`);
  return wanted as NativePlatform;
}
