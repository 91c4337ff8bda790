import type { ComponentChildren } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { ErrorBox, Loading } from "../components/ui";
import { api, credentials, projectPath } from "../lib/api";
import { auth } from "../lib/auth";
import { ProjectContext, type ProjectContextValue } from "../lib/context";
import { LiveChannel, type LiveStatus } from "../lib/live";
import { type Can, canFrom, ROLE_SCOPES } from "../lib/permissions";
import { forgetProject, rememberProject } from "../lib/prefs";
import { Link, match, navigatedInApp, useLocation } from "../lib/router";
import { useStore } from "../lib/store";
import type { LiveTicket, Project } from "../lib/types";
import { AlertsPage } from "../pages/alerts";
import { ApiKeysPage } from "../pages/api-keys";
import { AuditPage } from "../pages/audit";
import { BundleDetailPage } from "../pages/bundle-detail";
import { BundleDiffPage } from "../pages/bundle-diff";
import { BundleUploadPage } from "../pages/bundle-upload";
import { BundlesPage } from "../pages/bundles";
import { ConfigPreviewPage } from "../pages/config-preview";
import { NodeDetailPage } from "../pages/node-detail";
import { NodesPage } from "../pages/nodes";
import { OverviewPage } from "../pages/overview";
import { RolloutDetailPage } from "../pages/rollout-detail";
import { RolloutNewPage } from "../pages/rollout-new";
import { RolloutsPage } from "../pages/rollouts";
import { SlosPage } from "../pages/slos";
import { EnrollmentTokensPage } from "../pages/tokens";
import { WafPage } from "../pages/waf";
import { LiveAnnouncer } from "./live-announcer";

/** Project pages by path pattern (relative to /p/:project), first match wins. */
const ROUTES: Array<[string, (p: Record<string, string>) => ComponentChildren]> = [
  ["", () => <OverviewPage />],
  ["/nodes", () => <NodesPage />],
  ["/nodes/:id", (p) => <NodeDetailPage id={p.id ?? ""} />],
  ["/bundles", () => <BundlesPage />],
  ["/bundles/new", () => <BundleUploadPage />],
  ["/bundles/:id", (p) => <BundleDetailPage id={p.id ?? ""} />],
  ["/bundles/:id/diff", (p) => <BundleDiffPage id={p.id ?? ""} />],
  ["/config/preview", () => <ConfigPreviewPage />],
  ["/rollouts", () => <RolloutsPage />],
  ["/rollouts/new", () => <RolloutNewPage />],
  ["/rollouts/:id", (p) => <RolloutDetailPage id={p.id ?? ""} />],
  ["/slos", () => <SlosPage />],
  ["/alerts", () => <AlertsPage />],
  ["/waf", () => <WafPage />],
  ["/audit", () => <AuditPage />],
  ["/tokens", () => <EnrollmentTokensPage />],
  ["/api-keys", () => <ApiKeysPage />],
];

const NAV: Array<[string, string]> = [
  ["", "Overview"],
  ["/nodes", "Nodes"],
  ["/bundles", "Bundles"],
  ["/config/preview", "Generated config"],
  ["/rollouts", "Rollouts"],
  ["/slos", "SLOs"],
  ["/alerts", "Alerts"],
  ["/waf", "WAF"],
  ["/audit", "Audit log"],
  ["/tokens", "Enrollment tokens"],
  ["/api-keys", "API keys"],
];

const LIVE_LABEL: Record<LiveStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  polling: "Reconnecting · polling every 5 s",
};

function LiveIndicator({ channel }: { channel: LiveChannel }) {
  const status = useStore(channel.status);
  return (
    <p class={`live live-${status}`} data-testid="live-status" data-status={status}>
      <span class="dot" aria-hidden="true" /> {LIVE_LABEL[status]}
    </p>
  );
}

/** Loads the project and what the operator may do in it (role, or the API key's scopes). */
function useProjectContext(slug: string) {
  const [value, setValue] = useState<ProjectContextValue | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let channel: LiveChannel | null = null;
    let cancelled = false;
    setValue(null);
    setError(null);
    (async () => {
      const project = await api<Project>(projectPath(slug));
      let can: Can;
      let firstTicket: string | null = null;
      const state = auth.get();
      if (credentials.apiKey || state.status !== "session") {
        // API keys: the live ticket names the key's scopes here (and opens the first socket).
        // Without one, every control shows and the API decides.
        const ticket = await api<LiveTicket>(projectPath(slug, "/live-ticket"), {
          method: "POST",
        }).catch(() => null);
        can = ticket ? canFrom(ticket.scopes) : () => true;
        firstTicket = ticket?.ticket ?? null;
      } else {
        const role = state.me.memberships.find((m) => m.org_id === project.org_id)?.role;
        can = canFrom(role ? ROLE_SCOPES[role] : []);
      }
      if (cancelled) {
        return;
      }
      channel = new LiveChannel(slug, firstTicket);
      channel.start();
      rememberProject(slug);
      setValue({ project, live: channel, can });
    })().catch((err: unknown) => {
      if (!cancelled) {
        forgetProject();
        setError(err);
      }
    });
    return () => {
      cancelled = true;
      channel?.stop();
    };
  }, [slug]);
  return { value, error };
}

/** A project's frame: side navigation, live status, and the routed page. */
export function ProjectShell({ slug }: { slug: string }) {
  const { value, error } = useProjectContext(slug);
  const { path } = useLocation();
  const base = `/p/${encodeURIComponent(slug)}`;
  const rest = path.slice(base.length).replace(/\/$/, "");
  const page = useMemo(() => {
    for (const [pattern, render] of ROUTES) {
      const params = match(`/x${pattern}`, `/x${rest}`);
      if (params) {
        return render(params);
      }
    }
    return <ErrorBox error="No such page" />;
  }, [rest]);

  // After in-app navigation, move focus to the new page's heading so keyboard and
  // screen-reader users land on it (filters replace the URL and keep focus where it is).
  useEffect(() => {
    if (!navigatedInApp()) {
      return;
    }
    const t = window.setTimeout(() => document.getElementById("page-title")?.focus(), 0);
    return () => window.clearTimeout(t);
  }, [path, value]);

  if (error) {
    return (
      <main id="main" class="content">
        <ErrorBox error={error} title={`Cannot open project ${slug}`} />
        <Link href="/projects">All projects</Link>
      </main>
    );
  }
  if (!value) {
    return (
      <main id="main" class="content">
        <Loading what="Opening project" />
      </main>
    );
  }
  const section = `/${rest.split("/")[1] ?? ""}`.replace(/^\/$/, "");
  return (
    <ProjectContext.Provider value={value}>
      <div class="layout">
        <nav class="sidenav" aria-label="Project">
          <p class="project-name">{value.project.name}</p>
          <ul>
            {NAV.map(([href, label]) => (
              <li key={href}>
                <Link href={`${base}${href}`} aria-current={section === href ? "page" : undefined}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
          <LiveIndicator channel={value.live} />
          <LiveAnnouncer channel={value.live} />
        </nav>
        <main id="main" class="content">
          {page}
        </main>
      </div>
    </ProjectContext.Provider>
  );
}
