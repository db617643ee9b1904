import { type User, UserManager, WebStorageStateStore } from "oidc-client-ts";
import { type Role, roleOf } from "./claims.ts";
import type { DashboardConfig } from "./config.ts";
import { createStore } from "./store.ts";

/** Who is using the dashboard right now. `expired`: a call was refused with 401, the user must sign in again. */
export type Session =
  | { state: "loading" }
  | { state: "signed-out"; expired: boolean }
  | { state: "signed-in"; user: User; role: Role; name: string };

export const session = createStore<Session>({ state: "loading" });

/** Where the sign-in callback lands, under the base. */
export const callbackPath = () => `${import.meta.env.BASE_URL}callback`;

let manager: UserManager | undefined;

function toSession(user: User | null): Session {
  if (!user || user.expired) return { state: "signed-out", expired: false };
  const profile = user.profile as Record<string, unknown>;
  const name =
    [
      profile["cognito:username"],
      profile.preferred_username,
      profile.email,
      profile.name,
      user.profile.sub,
    ].find((v): v is string => typeof v === "string" && v !== "") ?? "you";
  return { state: "signed-in", user, role: roleOf(user.access_token), name };
}

/**
 * OAuth 2.0 authorization code + PKCE with oidc-client-ts, against the sandbox's issuer or Cognito's managed
 * login: the same calls for both. The user (tokens included) and the sign-in state live in sessionStorage
 * only, never localStorage: they go with the tab. Tokens are renewed in the background with the refresh token.
 */
export function startAuth(config: DashboardConfig): UserManager {
  const store = new WebStorageStateStore({ store: window.sessionStorage });
  manager = new UserManager({
    authority: config.auth.authority,
    client_id: config.auth.clientId,
    redirect_uri: `${window.location.origin}${callbackPath()}`,
    response_type: "code",
    scope: config.auth.scope,
    userStore: store,
    stateStore: store,
    automaticSilentRenew: true,
    loadUserInfo: false,
    // Cognito has no check_session_iframe: nothing to monitor.
    monitorSession: false,
  });
  manager.events.addUserLoaded((user) => session.set(toSession(user)));
  manager.events.addUserUnloaded(() => session.set({ state: "signed-out", expired: false }));
  // A failed renewal leaves the current token working until it expires (the library tries again before
  // then); only its expiry ends the session here.
  manager.events.addAccessTokenExpired(() => session.set({ state: "signed-out", expired: true }));
  return manager;
}

/** Reads the stored user (if any) into the session store. */
/**
 * Reads the stored user (if any) into the session store. A user whose access token expired while the tab
 * slept is renewed with the refresh token first, so coming back to an open tab does not ask for a sign-in.
 */
export async function restoreSession(): Promise<void> {
  const user = (await manager?.getUser()) ?? null;
  if (user?.expired && user.refresh_token) {
    try {
      session.set(toSession((await manager?.signinSilent()) ?? null));
      return;
    } catch {
      await manager?.removeUser();
    }
  }
  session.set(toSession(user));
}

/** Sends the browser to the issuer's login page; it comes back to `/app/callback` and then to `returnTo`. */
export async function signIn(returnTo = window.location.pathname + window.location.search): Promise<void> {
  await manager?.signinRedirect({ state: { returnTo } });
}

/**
 * Finishes a sign-in on `/app/callback`: swaps the code (with the PKCE verifier) for tokens and answers where
 * the user was before (always a path under the base, whatever the state holds).
 */
export async function completeSignIn(): Promise<string> {
  const user = await manager?.signinRedirectCallback();
  session.set(toSession(user ?? null));
  const returnTo = (user?.state as { returnTo?: unknown } | undefined)?.returnTo;
  const base = import.meta.env.BASE_URL;
  return typeof returnTo === "string" && returnTo.startsWith(base) && !returnTo.startsWith(callbackPath())
    ? returnTo
    : base;
}

/**
 * Forgets the user here, then ends the session at the issuer with Cognito's (non-standard) logout:
 * `logoutUrl?client_id=…&logout_uri=…`, which sends the browser back to the dashboard.
 */
export async function signOut(config: DashboardConfig): Promise<void> {
  await manager?.removeUser();
  const back = encodeURIComponent(`${window.location.origin}${import.meta.env.BASE_URL}`);
  window.location.assign(
    `${config.auth.logoutUrl}?client_id=${encodeURIComponent(config.auth.clientId)}&logout_uri=${back}`,
  );
}

/** The current access token, for the API client; undefined when signed out. */
export function accessToken(): string | undefined {
  const current = session.get();
  return current.state === "signed-in" ? current.user.access_token : undefined;
}

/** A 401 from the API: the tokens no longer work; forget them and offer sign-in again. */
export async function sessionEnded(): Promise<void> {
  await manager?.removeUser();
  session.set({ state: "signed-out", expired: true });
}
