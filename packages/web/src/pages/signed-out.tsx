import { signIn } from "../auth.ts";
import { PageHeading } from "../components/page.tsx";

/** A page that needs a signed-in user, seen signed out (or after the session ended). */
export function SignedOutPage(props: { title: string; expired: boolean }) {
  return (
    <section>
      <PageHeading title={props.title} />
      <p>
        {props.expired ? "Your session has ended. " : ""}Sign in to see {props.title.toLowerCase()}.
      </p>
      <button type="button" class="primary" onClick={() => void signIn()}>
        Sign in to continue
      </button>
    </section>
  );
}
