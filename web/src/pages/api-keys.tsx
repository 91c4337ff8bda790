import { useState } from "preact/hooks";
import {
  ConfirmButton,
  Empty,
  ErrorBox,
  Field,
  Loading,
  PageTitle,
  SecretOnce,
  StatusBadge,
  useAction,
} from "../components/ui";
import { api } from "../lib/api";
import { useProject } from "../lib/context";
import { timeAgo } from "../lib/format";
import type { Scope } from "../lib/permissions";
import type { ApiKey, Page } from "../lib/types";
import { onTypes, useResource } from "../lib/use-resource";

const DAY_S = 86_400;
const ALL_SCOPES: Scope[] = [
  "projects:read",
  "projects:write",
  "nodes:read",
  "nodes:write",
  "bundles:read",
  "bundles:write",
  "rollouts:read",
  "rollouts:write",
  "config:read",
  "config:write",
  "audit:read",
  "api_keys:admin",
];

function keyStatus(k: ApiKey): string {
  if (k.revoked_at) {
    return "revoked";
  }
  return k.expires_at && Date.parse(k.expires_at) <= Date.now() ? "expired" : "active";
}

/** API keys of the org: create (the key is shown once, within your own scopes), list, revoke. */
export function ApiKeysPage() {
  const { project, can } = useProject();
  const allowed = can("api_keys:admin");
  const res = useResource(
    (signal) =>
      allowed ? api<Page<ApiKey>>("/api/v1/api-keys?limit=200", { signal }) : Promise.resolve(null),
    [allowed],
    { live: onTypes("api_key") },
  );
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Scope[]>([
    "bundles:write",
    "rollouts:write",
    "bundles:read",
    "rollouts:read",
  ]);
  const [limitToProject, setLimitToProject] = useState(true);
  const [days, setDays] = useState("90");
  const [secret, setSecret] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  if (!allowed) {
    return (
      <>
        <PageTitle>API keys</PageTitle>
        <p class="muted">Managing API keys needs the admin role (scope api_keys:admin).</p>
      </>
    );
  }
  const create = async (e: Event) => {
    e.preventDefault();
    const body = {
      name: name.trim(),
      scopes,
      ...(limitToProject ? { project: project.slug } : {}),
      ...(days.trim() ? { expires_in_s: Math.round(Number(days) * DAY_S) } : {}),
    };
    const created = await run(
      () => api<ApiKey & { key: string }>("/api/v1/api-keys", { method: "POST", body }),
      "API key created",
    );
    if (created) {
      setSecret(created.key);
      setName("");
      res.reload();
    }
  };
  return (
    <>
      <PageTitle>API keys</PageTitle>
      <form class="card" onSubmit={create} aria-labelledby="new-key-h">
        <h2 id="new-key-h">New API key</h2>
        <div class="grid3">
          <Field id="k-name" label="Name">
            <input
              id="k-name"
              required
              maxLength={100}
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </Field>
          <Field id="k-days" label="Expires after (days)" hint="Blank: never">
            <input
              id="k-days"
              type="number"
              min="1"
              value={days}
              onInput={(e) => setDays(e.currentTarget.value)}
            />
          </Field>
          <label class="check">
            <input
              type="checkbox"
              checked={limitToProject}
              onChange={(e) => setLimitToProject(e.currentTarget.checked)}
            />{" "}
            Only for project {project.name}
          </label>
        </div>
        <fieldset class="scopes">
          <legend>Scopes</legend>
          {ALL_SCOPES.map((s) => (
            <label key={s} class="check">
              <input
                type="checkbox"
                checked={scopes.includes(s)}
                onChange={(e) =>
                  setScopes(
                    e.currentTarget.checked ? [...scopes, s] : scopes.filter((x) => x !== s),
                  )
                }
              />{" "}
              <code>{s}</code>
            </label>
          ))}
        </fieldset>
        <ErrorBox error={error} title="Key not created" />
        <div class="row">
          <button type="submit" class="btn btn-primary" disabled={busy || scopes.length === 0}>
            Create key
          </button>
        </div>
        {secret && <SecretOnce label="New API key" value={secret} />}
      </form>
      <ErrorBox error={res.error} />
      {!res.data && !res.error && <Loading />}
      {res.data && res.data.items.length === 0 && <Empty>No API keys.</Empty>}
      {res.data && res.data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Status</th>
                <th scope="col">Project</th>
                <th scope="col">Scopes</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {res.data.items.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>
                    <StatusBadge status={keyStatus(k)} />
                  </td>
                  <td>{k.project ?? "all"}</td>
                  <td class="small">{k.scopes.join(", ")}</td>
                  <td>{timeAgo(k.last_used_at)}</td>
                  <td>
                    {!k.revoked_at && (
                      <ConfirmButton
                        label="Revoke"
                        title={`Revoke key ${k.name}?`}
                        body={<p>Every request with this key fails from now on.</p>}
                        danger
                        onConfirm={async () => {
                          await api(`/api/v1/api-keys/${k.id}`, { method: "DELETE" });
                          res.reload();
                        }}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
