import { CfnWebACL, CfnWebACLAssociation } from "aws-cdk-lib/aws-wafv2";
import { Construct } from "constructs";
import type { WafConfig } from "../config/stages.ts";

export interface RateLimitWebAclProps {
  /** The stage's name: the web ACL is `meridian-<stage>` and its metrics `meridian-<stage>-*`. */
  stageName: string;
  waf: WafConfig;
  /** What the web ACL protects: a REST API stage's ARN or an Application Load Balancer's ARN. */
  resourceArn: string;
}

/** The web ACL's rules, by name; each is also its CloudWatch metric's suffix. */
export const WAF_RULES = { publicRoot: "public-root-per-ip", all: "all-requests-per-ip" } as const;

/**
 * A regional AWS WAF web ACL that allows everything except clients over their rate, and its association with
 * the front door. Two rate-based rules count per source IP over the stage's window and Block (403) above their
 * limit: `GET /` alone, stricter, and every request, which no spelling of a path escapes. The `GET /` rule
 * matches the path after URL_DECODE and NORMALIZE_PATH, so `//` or `/%2e` count as `/` there too.
 *
 * No AWS managed rule group: AWSManagedRulesCommonRuleSet would cost little ($1/month and 700 of the 1,500
 * capacity units included) but blocks by default what this API accepts on purpose (requests without a
 * User-Agent, bodies over 8 KB, text that looks like script in product descriptions the app never renders as
 * HTML), and the app already validates every input with schemas. Add it in Count mode first if a stage wants it.
 */
export class RateLimitWebAcl extends Construct {
  readonly webAcl: CfnWebACL;
  readonly association: CfnWebACLAssociation;

  constructor(scope: Construct, id: string, props: RateLimitWebAclProps) {
    super(scope, id);
    const { stageName, waf, resourceArn } = props;
    const name = `meridian-${stageName}`;
    // CloudWatch metrics (AWS/WAFV2, dimension Rule) and the console's sampled requests for every rule.
    const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const perIp = (limit: number, scopeDownStatement?: CfnWebACL.StatementProperty) => ({
      rateBasedStatement: {
        aggregateKeyType: "IP",
        limit,
        evaluationWindowSec: waf.windowSeconds,
        scopeDownStatement,
      },
    });

    this.webAcl = new CfnWebACL(this, "WebAcl", {
      name,
      description: `Meridian ${stageName}: per-IP rate limits`,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: visibility(name),
      rules: [
        {
          name: WAF_RULES.publicRoot,
          priority: 0,
          action: { block: {} },
          statement: perIp(waf.publicRootLimitPerIp, {
            andStatement: {
              statements: [
                {
                  byteMatchStatement: {
                    fieldToMatch: { method: {} },
                    positionalConstraint: "EXACTLY",
                    searchString: "GET",
                    textTransformations: [{ priority: 0, type: "NONE" }],
                  },
                },
                {
                  byteMatchStatement: {
                    fieldToMatch: { uriPath: {} },
                    positionalConstraint: "EXACTLY",
                    searchString: "/",
                    textTransformations: [
                      { priority: 0, type: "URL_DECODE" },
                      { priority: 1, type: "NORMALIZE_PATH" },
                    ],
                  },
                },
              ],
            },
          }),
          visibilityConfig: visibility(`${name}-${WAF_RULES.publicRoot}`),
        },
        {
          name: WAF_RULES.all,
          priority: 1,
          action: { block: {} },
          statement: perIp(waf.limitPerIp),
          visibilityConfig: visibility(`${name}-${WAF_RULES.all}`),
        },
      ],
    });

    this.association = new CfnWebACLAssociation(this, "Association", {
      resourceArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
