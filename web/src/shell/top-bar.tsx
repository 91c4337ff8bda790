import { api } from "../lib/api";
import { auth, signOut } from "../lib/auth";
import { Link, navigate, useLocation } from "../lib/router";
import { useStore } from "../lib/store";
import type { Org, Page, Project } from "../lib/types";
import { useResource } from "../lib/use-resource";

/** All projects and orgs the operator can see (the switcher's options). */
export function useProjectsAndOrgs() {
  return useResource(async (signal) => {
    const [projects, orgs] = await Promise.all([
      api<Page<Project>>("/api/v1/projects?limit=500", { signal }),
      api<Page<Org>>("/api/v1/orgs?limit=500", { signal }).catch(() => null),
    ]);
    return { projects: projects.items, orgs: orgs?.items ?? [] };
  }, []);
}

/** Org/project switcher: projects grouped by org; keeps the current section when switching. */
function ProjectSwitcher({ current }: { current: string | null }) {
  const { data } = useProjectsAndOrgs();
  const { path } = useLocation();
  if (!data) {
    return null;
  }
  const orgName = new Map(data.orgs.map((o) => [o.id, o.name]));
  const byOrg = new Map<string, Project[]>();
  for (const p of data.projects) {
    byOrg.set(p.org_id, [...(byOrg.get(p.org_id) ?? []), p]);
  }
  const onChange = (e: Event) => {
    const slug = (e.currentTarget as HTMLSelectElement).value;
    if (slug === "__all") {
      navigate("/projects");
      return;
    }
    // Keep the section (nodes, bundles…) but not a resource id from the other project.
    const section = path.split("/")[3];
    navigate(`/p/${encodeURIComponent(slug)}${section ? `/${section}` : ""}`);
  };
  return (
    <div class="switcher">
      <label for="project-switcher" class="sr-only">
        Project
      </label>
      <select id="project-switcher" value={current ?? "__all"} onChange={onChange}>
        {current === null && <option value="__all">Choose a project…</option>}
        {[...byOrg].map(([orgId, projects]) => (
          <optgroup key={orgId} label={orgName.get(orgId) ?? "Org"}>
            {projects.map((p) => (
              <option key={p.slug} value={p.slug}>
                {p.name}
              </option>
            ))}
          </optgroup>
        ))}
        {current !== null && <option value="__all">All projects…</option>}
      </select>
    </div>
  );
}

/** The header: brand, project switcher, who is signed in, sign out. */
export function TopBar({ project }: { project: string | null }) {
  const state = useStore(auth);
  const who =
    state.status === "session"
      ? state.me.user.email
      : state.status === "api_key"
        ? `API key ${state.prefix}…`
        : "";
  const adminOrg =
    state.status === "session"
      ? state.me.memberships.find((m) => m.role === "admin")?.org_slug
      : undefined;
  return (
    <header class="topbar">
      <Link href="/" class="brand">
        <span aria-hidden="true">◆</span> Zentinel
      </Link>
      <ProjectSwitcher current={project} />
      <div class="spacer" />
      {adminOrg && (
        <Link href={`/orgs/${encodeURIComponent(adminOrg)}/sso`} class="btn btn-ghost on-dark">
          SSO settings
        </Link>
      )}
      <span class="who" data-testid="who">
        {who}
      </span>
      <button type="button" class="btn btn-ghost on-dark" onClick={() => void signOut()}>
        Sign out
      </button>
    </header>
  );
}
