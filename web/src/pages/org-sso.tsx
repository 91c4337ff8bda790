import { useState } from "preact/hooks";
import {
  ConfirmButton,
  Empty,
  ErrorBox,
  Field,
  Loading,
  PageTitle,
  useAction,
} from "../components/ui";
import { api } from "../lib/api";
import { useResource } from "../lib/use-resource";

/** A provider as GET /orgs/{org}/sso-providers shows it. */
interface SsoProvider {
  id: string;
  kind: "oidc" | "saml";
  name: string;
  enabled: boolean;
  email_domains: string[];
  role_mappings: Array<{ group: string; role: string }>;
  default_role: string | null;
  login_url: string;
  oidc?: { issuer: string; client_id: string; redirect_uri: string; scopes: string[] };
  saml?: { idp_entity_id: string; sso_url: string };
}

const value = (e: Event) => (e.currentTarget as HTMLInputElement).value;
const list = (s: string) =>
  s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter((x) => x.length > 0);

/** "group = role" lines → mappings (the API reports bad roles per line). */
function parseMappings(text: string): Array<{ group: string; role: string }> {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const at = line.lastIndexOf("=");
      return at < 0
        ? { group: line, role: "" }
        : { group: line.slice(0, at).trim(), role: line.slice(at + 1).trim() };
    });
}

/** Org settings: identity providers, their group → role mappings, and "SSO required". */
export function OrgSsoPage({ org }: { org: string }) {
  const base = `/api/v1/orgs/${encodeURIComponent(org)}`;
  const providers = useResource(
    (signal) => api<{ items: SsoProvider[] }>(`${base}/sso-providers`, { signal }),
    [org],
  );
  const policy = useResource(
    (signal) => api<{ sso_required: boolean }>(`${base}/sso-policy`, { signal }),
    [org],
  );
  const policyAction = useAction();
  const rowAction = useAction();
  const setRequired = (required: boolean) =>
    policyAction.run(
      async () => {
        await api(`${base}/sso-policy`, { method: "PUT", body: { sso_required: required } });
        policy.reload();
      },
      required ? "SSO is now required" : "SSO is no longer required",
    );
  const toggle = (p: SsoProvider) =>
    rowAction.run(async () => {
      await api(`${base}/sso-providers/${p.id}`, {
        method: "PATCH",
        body: { enabled: !p.enabled },
      });
      providers.reload();
    });

  return (
    <main id="main" class="content">
      <PageTitle>Single sign-on · {org}</PageTitle>
      <section class="card" aria-labelledby="policy-h">
        <h2 id="policy-h">Policy</h2>
        {policy.data ? (
          <label class="row">
            <input
              type="checkbox"
              checked={policy.data.sso_required}
              disabled={policyAction.busy}
              onChange={(e) => void setRequired((e.currentTarget as HTMLInputElement).checked)}
            />
            Require SSO for members (admins keep a password break-glass sign-in, audited)
          </label>
        ) : (
          <Loading />
        )}
        <ErrorBox error={policyAction.error ?? policy.error} title="Could not change the policy" />
      </section>
      <section class="card" aria-labelledby="providers-h">
        <h2 id="providers-h">Identity providers</h2>
        <ErrorBox error={providers.error ?? rowAction.error} />
        {providers.data && providers.data.items.length === 0 && (
          <Empty>No identity provider yet. Add one below.</Empty>
        )}
        {providers.data && providers.data.items.length > 0 && (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Kind</th>
                  <th scope="col">IdP</th>
                  <th scope="col">Email domains</th>
                  <th scope="col">Group → role</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {providers.data.items.map((p) => (
                  <tr key={p.id}>
                    <td>{p.name}</td>
                    <td>{p.kind.toUpperCase()}</td>
                    <td class="mono">
                      {p.oidc ? p.oidc.issuer : p.saml?.idp_entity_id}
                      {p.oidc && <div class="hint">Redirect URI: {p.oidc.redirect_uri}</div>}
                    </td>
                    <td>{p.email_domains.join(", ") || "any"}</td>
                    <td>
                      {p.role_mappings.map((m) => `${m.group} → ${m.role}`).join(", ") || "none"}
                      {p.default_role && <div class="hint">others → {p.default_role}</div>}
                    </td>
                    <td>{p.enabled ? "enabled" : "disabled"}</td>
                    <td class="row">
                      <button type="button" class="btn" onClick={() => void toggle(p)}>
                        {p.enabled ? "Disable" : "Enable"}
                      </button>
                      <ConfirmButton
                        label="Delete"
                        title={`Delete ${p.name}?`}
                        body="Its members keep their memberships; they can no longer sign in through it."
                        danger
                        onConfirm={async () => {
                          await api(`${base}/sso-providers/${p.id}`, { method: "DELETE" });
                          providers.reload();
                        }}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <NewProvider base={base} onCreated={providers.reload} />
    </main>
  );
}

/** The "add provider" form (OIDC or SAML metadata). */
function NewProvider({ base, onCreated }: { base: string; onCreated: () => void }) {
  const [kind, setKind] = useState<"oidc" | "saml">("oidc");
  const [form, setForm] = useState({
    name: "",
    issuer: "",
    clientId: "",
    clientSecret: "",
    scopes: "openid email profile groups",
    groupsClaim: "groups",
    metadata: "",
    domains: "",
    mappings: "",
    defaultRole: "",
  });
  const { busy, error, run } = useAction();
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: value(e) });
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    const common = {
      kind,
      name: form.name.trim(),
      email_domains: list(form.domains),
      role_mappings: parseMappings(form.mappings),
      default_role: form.defaultRole === "" ? null : form.defaultRole,
    };
    const body =
      kind === "oidc"
        ? {
            ...common,
            oidc: {
              issuer: form.issuer.trim(),
              client_id: form.clientId.trim(),
              client_secret: form.clientSecret,
              scopes: list(form.scopes),
              groups_claim: form.groupsClaim.trim(),
            },
          }
        : { ...common, saml: { metadata_xml: form.metadata } };
    const created = await run(
      () => api(`${base}/sso-providers`, { method: "POST", body }),
      "Identity provider added",
    );
    if (created) {
      setForm({ ...form, name: "", clientSecret: "", metadata: "" });
      onCreated();
    }
  };
  return (
    <form class="card" onSubmit={onSubmit} aria-labelledby="new-idp-h">
      <h2 id="new-idp-h">Add an identity provider</h2>
      <Field id="idp-kind" label="Protocol">
        <select id="idp-kind" value={kind} onChange={(e) => setKind(value(e) as "oidc" | "saml")}>
          <option value="oidc">OpenID Connect</option>
          <option value="saml">SAML 2.0</option>
        </select>
      </Field>
      <Field id="idp-name" label="Name">
        <input id="idp-name" required value={form.name} onInput={set("name")} />
      </Field>
      {kind === "oidc" ? (
        <>
          <Field
            id="idp-issuer"
            label="Issuer URL"
            hint="Checked now: its discovery document and keys are fetched."
          >
            <input
              id="idp-issuer"
              type="url"
              required
              value={form.issuer}
              onInput={set("issuer")}
            />
          </Field>
          <Field id="idp-client-id" label="Client ID">
            <input id="idp-client-id" required value={form.clientId} onInput={set("clientId")} />
          </Field>
          <Field
            id="idp-client-secret"
            label="Client secret"
            hint="Stored encrypted; never shown again."
          >
            <input
              id="idp-client-secret"
              type="password"
              autoComplete="off"
              required
              value={form.clientSecret}
              onInput={set("clientSecret")}
            />
          </Field>
          <Field id="idp-scopes" label="Scopes">
            <input id="idp-scopes" value={form.scopes} onInput={set("scopes")} />
          </Field>
          <Field id="idp-groups-claim" label="Groups claim">
            <input id="idp-groups-claim" value={form.groupsClaim} onInput={set("groupsClaim")} />
          </Field>
        </>
      ) : (
        <Field id="idp-metadata" label="IdP metadata XML">
          <textarea
            id="idp-metadata"
            rows={6}
            required
            value={form.metadata}
            onInput={set("metadata")}
          />
        </Field>
      )}
      <Field id="idp-domains" label="Allowed email domains" hint="Comma-separated; empty = any.">
        <input id="idp-domains" value={form.domains} onInput={set("domains")} />
      </Field>
      <Field
        id="idp-mappings"
        label="Group → role"
        hint="One per line: group = admin | operator | reader"
      >
        <textarea id="idp-mappings" rows={3} value={form.mappings} onInput={set("mappings")} />
      </Field>
      <Field id="idp-default-role" label="Everyone else">
        <select id="idp-default-role" value={form.defaultRole} onChange={set("defaultRole")}>
          <option value="">no access</option>
          <option value="reader">reader</option>
          <option value="operator">operator</option>
          <option value="admin">admin</option>
        </select>
      </Field>
      <ErrorBox error={error} title="The provider was not saved" />
      <button type="submit" class="btn btn-primary" disabled={busy}>
        {busy ? "Checking…" : "Add provider"}
      </button>
    </form>
  );
}
