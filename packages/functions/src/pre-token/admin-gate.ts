import { type Logger, withinBudget } from "@meridian/core";
import type { PreTokenGenerationV2TriggerEvent } from "aws-lambda";

/**
 * Whether the user has TOTP (software token) MFA enabled, by pool and user name. Rejects when it cannot
 * tell; the gate then withholds the admin group.
 */
export type TotpLookup = (userPoolId: string, userName: string) => Promise<boolean>;

export interface AdminGateDeps {
  hasTotp: TotpLookup;
  /** The group that makes a user an admin (the API's JWT_ADMIN_GROUP). */
  adminGroup: string;
  logger: Logger;
  /** A lookup still unanswered after this long counts as failed (BUDGETS.preToken.lookupMs). */
  lookupMs: number;
}

/** Why the admin group was left out of a token; logged with the user's `sub`. */
export type WithheldReason = "no-totp" | "lookup-failed";

class LookupTimeoutError extends Error {
  override readonly name = "LookupTimeoutError";
}

/**
 * Cognito has no "MFA required for one group": the pool's MFA is optional, and Cognito challenges every
 * sign-in of a user who has TOTP enabled. So an admin is a member of the admin group WITH TOTP enabled. For a
 * member without it, or when the lookup fails (fail closed), the tokens are issued without the admin group
 * (`groupOverrideDetails` of a V2_0 event replaces the `cognito:groups` claim of the ID and access tokens)
 * and a WARN names the user's `sub`, never the email. Anyone else's event is returned as it came, with no
 * lookup: customers never cost a Cognito API call.
 *
 * @example
 * const event = await gateAdminGroup({ hasTotp, adminGroup: "admin", logger, lookupMs: 2_500 }, incoming);
 */
export async function gateAdminGroup(
  deps: AdminGateDeps,
  event: PreTokenGenerationV2TriggerEvent,
): Promise<PreTokenGenerationV2TriggerEvent> {
  const groups = event.request.groupConfiguration?.groupsToOverride ?? [];
  if (!groups.includes(deps.adminGroup)) return event;

  let reason: WithheldReason;
  let error: unknown;
  try {
    const enabled = await withinBudget(
      deps.hasTotp(event.userPoolId, event.userName),
      deps.lookupMs,
      () => new LookupTimeoutError(`AdminGetUser did not answer within ${deps.lookupMs} ms`),
    );
    if (enabled) return event;
    reason = "no-totp";
  } catch (caught) {
    reason = "lookup-failed";
    error = caught;
  }

  deps.logger.warn(
    "admin group withheld from the tokens: the user has no TOTP MFA, or it could not be read",
    {
      sub: event.request.userAttributes.sub ?? "unknown",
      reason,
      triggerSource: event.triggerSource,
      ...(error instanceof Error ? { error: { name: error.name, message: error.message } } : {}),
    },
  );
  return {
    ...event,
    response: {
      claimsAndScopeOverrideDetails: {
        // Cognito sends `claimsAndScopeOverrideDetails: null`; keep anything another step may have set.
        ...(event.response?.claimsAndScopeOverrideDetails ?? {}),
        groupOverrideDetails: {
          groupsToOverride: groups.filter((group) => group !== deps.adminGroup),
          // The override replaces roles too, and the event does not say which role came from which group:
          // none is passed on (no group of this pool has an IAM role), so the admin group's could not slip by.
          iamRolesToOverride: [],
        },
      },
    },
  };
}
