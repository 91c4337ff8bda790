import { useState } from "preact/hooks";
import { ErrorBox, Field, Loading, PageTitle, useAction } from "../components/ui";
import { api } from "../lib/api";
import { Link, navigate } from "../lib/router";
import type { Project } from "../lib/types";
import { useProjectsAndOrgs } from "../shell/top-bar";

/** All visible projects, grouped by org, and a form to create one. */
export function ProjectsPage() {
  const res = useProjectsAndOrgs();
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const { busy, error, run } = useAction();
  const create = async (e: Event) => {
    e.preventDefault();
    const p = await run(
      () => api<Project>("/api/v1/projects", { method: "POST", body: { name, slug } }),
      "Project created",
    );
    if (p) {
      navigate(`/p/${p.slug}`);
    }
  };
  return (
    <main id="main" class="content narrow">
      <PageTitle>Projects</PageTitle>
      <ErrorBox error={res.error} />
      {!res.data && !res.error && <Loading />}
      {res.data && (
        <ul class="plain project-list">
          {res.data.projects.map((p) => (
            <li key={p.id}>
              <Link href={`/p/${p.slug}`}>{p.name}</Link> <code class="muted">{p.slug}</code>
              <span class="muted small">
                {" "}
                · {res.data?.orgs.find((o) => o.id === p.org_id)?.name ?? ""}
              </span>
            </li>
          ))}
        </ul>
      )}
      <form class="card" onSubmit={create} aria-labelledby="new-project-h">
        <h2 id="new-project-h">New project</h2>
        <Field id="p-name" label="Name">
          <input
            id="p-name"
            required
            maxLength={100}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </Field>
        <Field id="p-slug" label="Slug" hint="a–z, 0–9 and '-'; used in URLs and API paths">
          <input
            id="p-slug"
            required
            pattern="[a-z0-9][a-z0-9-]{1,62}"
            value={slug}
            onInput={(e) => setSlug(e.currentTarget.value)}
          />
        </Field>
        <ErrorBox error={error} title="Project not created" />
        <button type="submit" class="btn btn-primary" disabled={busy}>
          Create project
        </button>
      </form>
    </main>
  );
}
