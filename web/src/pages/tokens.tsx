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
import { api, projectPath } from "../lib/api";
import { useProject } from "../lib/context";
import { dateTime, timeAgo } from "../lib/format";
import type { EnrollmentToken, Page } from "../lib/types";
import { onTypes, useResource } from "../lib/use-resource";

const HOUR_S = 3600;

/** Enrollment tokens: create (the token is shown once), list, revoke. */
export function EnrollmentTokensPage() {
  const { project, can } = useProject();
  const path = projectPath(project.slug, "/enrollment-tokens");
  const res = useResource(
    (signal) => api<Page<EnrollmentToken>>(`${path}?limit=200`, { signal }),
    [path],
    {
      live: onTypes("enrollment_token"),
    },
  );
  const [name, setName] = useState("");
  const [hours, setHours] = useState("24");
  const [maxUses, setMaxUses] = useState("");
  const [secret, setSecret] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const create = async (e: Event) => {
    e.preventDefault();
    const body = {
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(hours.trim() ? { expires_in_s: Math.round(Number(hours) * HOUR_S) } : {}),
      ...(maxUses.trim() ? { max_uses: Number(maxUses) } : {}),
    };
    const created = await run(
      () => api<EnrollmentToken & { token: string }>(path, { method: "POST", body }),
      "Enrollment token created",
    );
    if (created) {
      setSecret(created.token);
      setName("");
      res.reload();
    }
  };
  return (
    <>
      <PageTitle>Enrollment tokens</PageTitle>
      <p class="muted">
        Nodes register with <code>POST /api/v1/projects/{project.slug}/nodes/register</code> and the
        header <code>X-Zentinel-Enrollment-Token</code>.
      </p>
      {can("nodes:write") && (
        <form class="card" onSubmit={create} aria-labelledby="new-token-h">
          <h2 id="new-token-h">New token</h2>
          <div class="grid3">
            <Field id="t-name" label="Name">
              <input
                id="t-name"
                value={name}
                maxLength={100}
                onInput={(e) => setName(e.currentTarget.value)}
              />
            </Field>
            <Field id="t-hours" label="Expires after (hours)" hint="Blank: never">
              <input
                id="t-hours"
                type="number"
                min="0.02"
                step="any"
                value={hours}
                onInput={(e) => setHours(e.currentTarget.value)}
              />
            </Field>
            <Field id="t-uses" label="Max registrations" hint="Blank: unlimited">
              <input
                id="t-uses"
                type="number"
                min="1"
                value={maxUses}
                onInput={(e) => setMaxUses(e.currentTarget.value)}
              />
            </Field>
          </div>
          <ErrorBox error={error} title="Token not created" />
          <div class="row">
            <button type="submit" class="btn btn-primary" disabled={busy}>
              Create token
            </button>
          </div>
          {secret && <SecretOnce label="New enrollment token" value={secret} />}
        </form>
      )}
      <ErrorBox error={res.error} />
      {!res.data && !res.error && <Loading />}
      {res.data && res.data.items.length === 0 && <Empty>No enrollment tokens.</Empty>}
      {res.data && res.data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Status</th>
                <th scope="col">Uses</th>
                <th scope="col">Expires</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {res.data.items.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>
                    <code>{t.prefix}…</code>
                  </td>
                  <td>
                    <StatusBadge status={t.status} />
                  </td>
                  <td>
                    {t.uses}
                    {t.max_uses !== null ? ` / ${t.max_uses}` : ""}
                  </td>
                  <td>{t.expires_at ? dateTime(t.expires_at) : "never"}</td>
                  <td>{timeAgo(t.created_at)}</td>
                  <td>
                    {can("nodes:write") && t.status === "active" && (
                      <ConfirmButton
                        label="Revoke"
                        title={`Revoke token ${t.name}?`}
                        body={
                          <p>
                            Nodes can no longer register with it. Registered nodes are not affected.
                          </p>
                        }
                        danger
                        onConfirm={async () => {
                          await api(`${path}/${t.id}`, { method: "DELETE" });
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
