import type { ComponentChildren } from "preact";
import { ApiError } from "../api.ts";
import { signIn } from "../auth.ts";

/** Shown while the first load of a section runs. */
export function Loading(props: { what: string }) {
  return (
    <p class="state" aria-busy="true">
      Loading {props.what}…
    </p>
  );
}

/** Shown when a section has nothing to show yet. */
export function Empty(props: { children: ComponentChildren }) {
  return <p class="state empty">{props.children}</p>;
}

/** What a person reads for a failure: the API's message for 4xx, a plain sentence otherwise. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.userMessage;
  return "Something went wrong in the dashboard.";
}

/**
 * A failed load, never a blank page: an unavailable API says it is retrying (the page polls again), a 401
 * offers sign-in, anything else gives its message and a Retry button.
 */
export function ErrorState(props: { error: unknown; retry?: () => void }) {
  const { error } = props;
  const apiError = error instanceof ApiError ? error : undefined;
  return (
    <div class="state error" role="alert">
      <p>{messageOf(error)}</p>
      {apiError?.status === 401 ? (
        <button type="button" onClick={() => void signIn()}>
          Sign in again
        </button>
      ) : props.retry ? (
        <button type="button" onClick={props.retry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}
