import {
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import type { LocalCredentials } from "@meridian/adapters";
// The subpath, not the package root: the root loads the DynamoDB client, which this function never uses.
import { clientBudget } from "@meridian/adapters/budget";
import type { CallBudget } from "@meridian/core";
import { noTracing, type Tracing } from "../tracing/tracing.ts";
import type { TotpLookup } from "./admin-gate.ts";

/** What a client of a stand-in `endpoint` signs with when given nothing (the adapters' LOCAL_CREDENTIALS). */
const LOCAL_SIGNING: LocalCredentials = { accessKeyId: "local", secretAccessKey: "local" };

export interface TotpLookupOptions {
  budget: CallBudget;
  region?: string;
  /** A stand-in for Cognito's API (tests); unset in AWS. */
  endpoint?: string;
  /** What to sign with at `endpoint`; default LOCAL_SIGNING. Ignored without an endpoint. */
  credentials?: LocalCredentials;
  tracing?: Tracing;
}

/**
 * Reads a user's MFA settings with AdminGetUser (the function's only permission): TOTP counts when
 * `UserMFASettingList` (the MFA options activated for the user, which Cognito challenges at every sign-in)
 * holds `SOFTWARE_TOKEN_MFA`; a token only verified, never activated with set-user-mfa-preference, does not.
 * One client per cold start.
 */
export function createTotpLookup(options: TotpLookupOptions): TotpLookup {
  const client = (options.tracing ?? noTracing).captureClient(
    new CognitoIdentityProviderClient({
      ...clientBudget(options.budget),
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpoint
        ? {
            endpoint: options.endpoint,
            region: options.region ?? "us-east-1",
            // A copy: the SDK writes its own bookkeeping onto the object it is given.
            credentials: { ...(options.credentials ?? LOCAL_SIGNING) },
          }
        : {}),
    }),
  );
  return async (userPoolId, userName) => {
    const user = await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: userName }));
    return user.UserMFASettingList?.includes("SOFTWARE_TOKEN_MFA") ?? false;
  };
}
