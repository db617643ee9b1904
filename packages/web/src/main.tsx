import { render } from "preact";
import { useEffect } from "preact/hooks";
import { createRequest } from "./api.ts";
import {
  accessToken,
  completeSignIn,
  restoreSession,
  type Session,
  session,
  sessionEnded,
  startAuth,
} from "./auth.ts";
import { Layout } from "./components/layout.tsx";
import { Link } from "./components/link.tsx";
import { PageHeading } from "./components/page.tsx";
import { ConfigInvalidError, type DashboardConfig, loadConfig } from "./config.ts";
import { CatalogPage } from "./pages/catalog.tsx";
import { EpochsPage } from "./pages/epochs.tsx";
import { HealthPage } from "./pages/health.tsx";
import { OrdersPage } from "./pages/orders.tsx";
import { SignedOutPage } from "./pages/signed-out.tsx";
import { listenToHistory, location, navigate, type Route, routeOf } from "./router.ts";
import { setRuntime, unavailable } from "./runtime.ts";
import { useStore } from "./store.ts";
import "./styles.css";

const base = import.meta.env.BASE_URL;
const TITLES = { epochs: "Epochs", orders: "Orders", health: "Health" } as const;

function CurrentPage(props: { route: Route; session: Session }) {
  const { route, session } = props;
  if (route === "callback") return <p class="state">Signing in…</p>;
  if (session.state === "loading") return <p class="state">Loading…</p>;
  const signedIn = session.state === "signed-in";
  const page = route === "home" ? (signedIn ? "epochs" : "catalog") : route;
  if (page === "catalog") return <CatalogPage session={session} />;
  if (page === "not-found") {
    return (
      <>
        <PageHeading title="Page not found" />
        <p>
          There is no page here. <Link href={base}>Go to the dashboard</Link>.
        </p>
      </>
    );
  }
  if (!signedIn) return <SignedOutPage title={TITLES[page]} expired={session.expired} />;
  if (page === "epochs") return <EpochsPage admin={session.role === "admin"} />;
  if (page === "orders") return <OrdersPage />;
  return <HealthPage />;
}

function App() {
  const path = useStore(location);
  const current = useStore(session);
  const route = routeOf(path, base);
  return (
    <Layout route={route} session={current}>
      <CurrentPage route={route} session={current} />
    </Layout>
  );
}

/** A page of its own when the dashboard cannot start: what is wrong, never a blank page. */
function StartupError(props: { title: string; problems: string[]; home?: boolean }) {
  useEffect(() => {
    document.title = `${props.title} — Meridian`;
  }, [props.title]);
  return (
    <main id="main" class="startup-error">
      <h1>{props.title}</h1>
      <ul>
        {props.problems.map((problem) => (
          <li key={problem}>{problem}</li>
        ))}
      </ul>
      {props.home ? (
        <a href={base}>Back to the dashboard</a>
      ) : (
        <button type="button" onClick={() => window.location.reload()}>
          Reload
        </button>
      )}
    </main>
  );
}

/** Development only: the sandbox's rebuild watcher tells the page to reload itself. */
function followReloads(config: DashboardConfig) {
  if (!config.reloadUrl) return;
  const events = new EventSource(config.reloadUrl);
  events.addEventListener("reload", () => window.location.reload());
}

async function start(root: HTMLElement) {
  let config: DashboardConfig;
  try {
    config = await loadConfig();
  } catch (error) {
    const problems = error instanceof ConfigInvalidError ? error.problems : ["could not be read"];
    render(
      <StartupError
        title="The dashboard is not configured"
        problems={problems.map((p) => `config.json: ${p}`)}
      />,
      root,
    );
    return;
  }
  followReloads(config);
  let waiting = 0;
  startAuth(config);
  setRuntime({
    config,
    request: createRequest({
      baseUrl: config.apiUrl,
      accessToken,
      onUnavailable: (retrying) => {
        waiting += retrying ? 1 : -1;
        unavailable.set(waiting > 0);
      },
      onUnauthorized: () => void sessionEnded(),
    }),
  });
  listenToHistory();
  render(<App />, root);

  if (routeOf(window.location.pathname, base) === "callback") {
    try {
      navigate(await completeSignIn(), true);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      render(<StartupError title="Sign-in did not complete" problems={[message]} home />, root);
    }
    return;
  }
  await restoreSession();
}

const root = document.getElementById("app");
if (root) {
  root.textContent = "";
  void start(root);
}
