import type { ComponentChildren } from "preact";
import { type Session, signIn, signOut } from "../auth.ts";
import { pathOf, type Route } from "../router.ts";
import { announcement, runtime, unavailable } from "../runtime.ts";
import { useStore } from "../store.ts";
import { Link } from "./link.tsx";

const PAGES = [
  { route: "epochs", label: "Epochs" },
  { route: "catalog", label: "Catalog" },
  { route: "orders", label: "Orders" },
  { route: "health", label: "Health" },
] as const;

/** The frame of every page: skip link, header with the user, the nav, the live status region, `main`. */
export function Layout(props: { route: Route; session: Session; children: ComponentChildren }) {
  const { config } = runtime();
  const base = import.meta.env.BASE_URL;
  const message = useStore(announcement);
  const retrying = useStore(unavailable);
  const { session } = props;
  const current =
    props.route === "home" ? (session.state === "signed-in" ? "epochs" : "catalog") : props.route;

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href={base} class="brand">
          Meridian <span class="stage">{config.stage}</span>
        </Link>
        <div class="who">
          {session.state === "signed-in" ? (
            <>
              <span>
                {session.name} ({session.role})
              </span>
              <button type="button" onClick={() => void signOut(config)}>
                Sign out
              </button>
            </>
          ) : session.state === "signed-out" ? (
            <button type="button" class="primary" onClick={() => void signIn()}>
              Sign in
            </button>
          ) : null}
        </div>
        <nav aria-label="Main">
          <ul>
            {PAGES.map((page) => (
              <li key={page.route}>
                <Link href={pathOf(page.route, base)} current={current === page.route}>
                  {page.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <p class={retrying ? "banner warn" : "banner"} role="status" aria-live="polite" data-testid="status">
        {retrying ? "Service unavailable — retrying…" : message}
      </p>
      <main id="main">{props.children}</main>
    </>
  );
}
