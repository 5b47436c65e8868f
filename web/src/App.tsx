import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiClient, ApiError } from "./api/client";
import type { Me, Project } from "./api/models";
import { LoginForm } from "./components/LoginForm";
import { mayManage, mayReview, readToken, saveToken } from "./lib/auth";
import { parseRoute, type Route, routeHref } from "./lib/route";
import { History } from "./pages/History";
import { Browse } from "./pages/Browse";
import { Labeling } from "./pages/Labeling";
import { ProjectList } from "./pages/ProjectList";
import { Rules } from "./pages/Rules";
import { Review } from "./pages/Review";

type Auth = { state: "checking" } | { state: "in"; me: Me } | { state: "out"; message: string | null };

export function App() {
  const api = useMemo(() => new ApiClient(() => readToken(window.localStorage)), []);
  const [auth, setAuth] = useState<Auth>({ state: "checking" });
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));

  useEffect(() => {
    const onHash = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  const check = () => {
    api
      .me()
      .then((me) => setAuth({ state: "in", me }))
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 401) {
          setAuth({ state: "out", message: readToken(window.localStorage) ? "That token was refused." : null });
        } else {
          setAuth({ state: "out", message: e instanceof Error ? e.message : String(e) });
        }
      });
  };
  useEffect(check, [api]);

  if (auth.state === "checking") return <p class="muted page">Connecting…</p>;
  if (auth.state === "out") {
    return (
      <LoginForm
        message={auth.message}
        onToken={(token) => {
          saveToken(window.localStorage, token);
          setAuth({ state: "checking" });
          check();
        }}
      />
    );
  }
  return (
    <>
      {route.page === "projects" ? (
        <ProjectList api={api} />
      ) : (
        <ProjectPage api={api} route={route} canManage={mayManage(auth.me)} canReview={mayReview(auth.me)} />
      )}
      <footer class="footer muted">
        Signed in as {auth.me.name}
        {readToken(window.localStorage) && (
          <>
            {" · "}
            <button
              type="button"
              class="link"
              onClick={() => {
                saveToken(window.localStorage, null);
                setAuth({ state: "out", message: null });
              }}
            >
              sign out
            </button>
          </>
        )}
      </footer>
    </>
  );
}

function ProjectPage({
  api,
  route,
  canManage,
  canReview,
}: {
  api: ApiClient;
  route: Exclude<Route, { page: "projects" }>;
  canManage: boolean;
  canReview: boolean;
}) {
  const [project, setProject] = useState<Project | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setError(null);
    api
      .getProject(route.project)
      .then(setProject)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [api, route.project]);

  if (error) {
    return (
      <main class="page">
        <p class="error">{error}</p>
        <a href="#/">All projects</a>
      </main>
    );
  }
  if (!project || project.name !== route.project) return <p class="muted page">Loading…</p>;
  if (route.page === "history") return <History api={api} project={project} />;
  if (route.page === "rules") return <Rules api={api} project={project} canManage={canManage} />;
  if (route.page === "review" || route.page === "browse") {
    if (!canReview) {
      return (
        <main class="page">
          <p class="error" data-testid="not-allowed">
            The {route.page === "review" ? "review page" : "browse view"} is for reviewers and admins; you are signed in
            as an annotator.
          </p>
          <a href={routeHref({ page: "label", project: project.name })}>Back to labeling</a>
        </main>
      );
    }
    const Page = route.page === "review" ? Review : Browse;
    return <Page api={api} project={project} canManage={canManage} />;
  }
  return (
    <Labeling api={api} project={project} onProjectChange={setProject} canManage={canManage} canReview={canReview} />
  );
}
