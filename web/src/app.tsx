import { useEffect } from "preact/hooks";
import { Announcer } from "./components/announcer";
import { Loading } from "./components/ui";
import { api } from "./lib/api";
import { auth } from "./lib/auth";
import { lastProject } from "./lib/prefs";
import { match, navigate, useLocation } from "./lib/router";
import { useStore } from "./lib/store";
import type { Page, Project } from "./lib/types";
import { LoginPage } from "./pages/login";
import { OrgSsoPage } from "./pages/org-sso";
import { ProjectsPage } from "./pages/projects";
import { ProjectShell } from "./shell/project-shell";
import { TopBar } from "./shell/top-bar";

/** Where a signed-in operator lands: the project used last, else the first one, else the list. */
function Home() {
  useEffect(() => {
    const last = lastProject();
    if (last) {
      navigate(`/p/${encodeURIComponent(last)}`, { replace: true });
      return;
    }
    api<Page<Project>>("/api/v1/projects?limit=1")
      .then((page) => {
        const first = page.items[0];
        navigate(first ? `/p/${encodeURIComponent(first.slug)}` : "/projects", { replace: true });
      })
      .catch(() => navigate("/projects", { replace: true }));
  }, []);
  return (
    <main id="main" class="content">
      <Loading />
    </main>
  );
}

/** Routes of a signed-in operator. */
function SignedIn() {
  const { path } = useLocation();
  const inProject = match("/p/:project", path.split("/").slice(0, 3).join("/"));
  let page = <Home />;
  if (inProject?.project) {
    page = <ProjectShell slug={inProject.project} />;
  } else if (path === "/projects") {
    page = <ProjectsPage />;
  } else {
    const orgSso = match("/orgs/:org/sso", path);
    if (orgSso?.org) {
      page = <OrgSsoPage org={orgSso.org} />;
    }
  }
  return (
    <>
      <TopBar project={inProject?.project ?? null} />
      {page}
    </>
  );
}

/** The dashboard: sign-in, or the signed-in routes. */
export function App() {
  const state = useStore(auth);
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      {state.status === "loading" && (
        <main id="main" class="center">
          <Loading what="Starting" />
        </main>
      )}
      {state.status === "signed_out" && <LoginPage reason={state.reason} />}
      {(state.status === "session" || state.status === "api_key") && <SignedIn />}
      <Announcer />
    </>
  );
}
