import { KdlViewer } from "../components/kdl-viewer";
import { Tabs } from "../components/tabs";
import { ConfirmButton, ErrorBox, Loading, PageTitle, StatusBadge } from "../components/ui";
import { api, projectPath } from "../lib/api";
import { useProject } from "../lib/context";
import { actorLabel, bytes, dateTime } from "../lib/format";
import { Link, setQuery, useLocation } from "../lib/router";
import type { Bundle, BundleConfig, SigningKey } from "../lib/types";
import { useResource } from "../lib/use-resource";

const TABS = [
  { id: "config", label: "Config" },
  { id: "overview", label: "Signature & manifest" },
  { id: "sbom", label: "SBOM" },
  { id: "compiler", label: "Compiler output" },
];

interface CdxComponent {
  type?: string;
  name?: string;
  version?: string;
  properties?: Array<{ name: string; value: string }>;
}

function ConfigTab({ bundle }: { bundle: Bundle }) {
  const { project } = useProject();
  const res = useResource(
    (signal) =>
      api<BundleConfig>(projectPath(project.slug, `/bundles/${bundle.bundle_id}/config`), {
        signal,
      }),
    [bundle.bundle_id],
  );
  if (!res.data) {
    return res.error ? <ErrorBox error={res.error} /> : <Loading />;
  }
  const { entry, files } = res.data;
  const paths = [
    entry,
    ...Object.keys(files)
      .filter((p) => p !== entry)
      .sort(),
  ];
  return (
    <>
      {paths.map((p) => (
        <KdlViewer
          key={p}
          path={p}
          text={files[p] ?? ""}
          diagnostics={bundle.diagnostics.filter((d) => d.file === p)}
          tone={bundle.status === "failed" ? "error" : "warning"}
        />
      ))}
    </>
  );
}

function SignatureTab({ bundle }: { bundle: Bundle }) {
  const { project } = useProject();
  const keys = useResource(
    (signal) => api<{ keys: SigningKey[] }>(projectPath(project.slug, "/signing-keys"), { signal }),
    [project.slug],
  );
  const key = keys.data?.keys.find((k) => k.kid === bundle.signing_key_id);
  return (
    <>
      <dl class="facts">
        <dt>Bundle id (manifest digest)</dt>
        <dd>
          <code class="wrap">{bundle.bundle_id}</code>
        </dd>
        <dt>Archive checksum (SHA-256)</dt>
        <dd>
          <code class="wrap">{bundle.checksum ?? "—"}</code>
        </dd>
        <dt>Size</dt>
        <dd>{bytes(bundle.size_bytes)}</dd>
        <dt>Signature (Ed25519 over manifest.json)</dt>
        <dd>
          <code class="wrap">{bundle.signature ?? "not signed yet"}</code>
        </dd>
        <dt>Signing key</dt>
        <dd>
          {bundle.signing_key_id ? <code>{bundle.signing_key_id}</code> : "—"}{" "}
          {key && <StatusBadge status={key.status} />}
          {key && (
            <div class="small">
              Public key <code class="wrap">{key.public_key}</code>
            </div>
          )}
        </dd>
      </dl>
      <h3>Manifest</h3>
      <pre class="json">
        {bundle.manifest ? JSON.stringify(bundle.manifest, null, 2) : "No manifest until compiled."}
      </pre>
    </>
  );
}

function SbomTab({ bundle }: { bundle: Bundle }) {
  const { project } = useProject();
  const res = useResource(
    (signal) =>
      api<{ components?: CdxComponent[] }>(
        projectPath(project.slug, `/bundles/${bundle.bundle_id}/sbom`),
        {
          signal,
        },
      ),
    [bundle.bundle_id],
  );
  if (!res.data) {
    return res.error ? <ErrorBox error={res.error} /> : <Loading />;
  }
  const components = res.data.components ?? [];
  return (
    <div class="table-wrap">
      <table>
        <caption class="muted small">CycloneDX 1.5 · {components.length} components</caption>
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Name</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {components.map((c, i) => {
            const kind =
              c.properties?.find((p) => p.name === "zentinel:kind")?.value ?? c.type ?? "";
            const props = (c.properties ?? []).filter((p) => p.name !== "zentinel:kind");
            return (
              <tr key={i}>
                <td>{kind}</td>
                <td>
                  <code>{c.name}</code>
                  {c.version ? <span class="muted small"> {c.version}</span> : null}
                </td>
                <td class="small">
                  {props
                    .map((p) => `${p.name.replace("zentinel:config:", "")}=${p.value}`)
                    .join(" · ")}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** One bundle: status, risk, config with diagnostics, signature, SBOM, compiler output. */
export function BundleDetailPage({ id }: { id: string }) {
  const { project, can } = useProject();
  const { query } = useLocation();
  const tab = TABS.some((t) => t.id === query.get("tab"))
    ? (query.get("tab") ?? "config")
    : "config";
  const base = `/p/${project.slug}`;
  const path = projectPath(project.slug, `/bundles/${id}`);
  const res = useResource((signal) => api<Bundle>(path, { signal }), [path], {
    live: (m) => m.resource_id === id,
  });
  if (!res.data) {
    return (
      <>
        <PageTitle>Bundle</PageTitle>
        {res.error ? <ErrorBox error={res.error} /> : <Loading />}
      </>
    );
  }
  const b = res.data;
  const inFlight = b.status === "pending" || b.status === "compiling";
  return (
    <>
      <PageTitle
        actions={
          <>
            <Link class="btn" href={`${base}/bundles/${id}/diff`}>
              Diff
            </Link>
            {b.status === "compiled" && can("rollouts:write") && (
              <Link class="btn btn-primary" href={`${base}/rollouts/new?bundle=${id}`}>
                Roll out
              </Link>
            )}
            {b.status === "compiled" && can("bundles:write") && (
              <ConfirmButton
                label="Revoke"
                title={`Revoke bundle ${b.version}?`}
                body={
                  <p>
                    It is never offered or served to nodes again. Nodes running it keep it until
                    they get another bundle.
                  </p>
                }
                danger
                onConfirm={async () => {
                  await api(`${path}/revoke`, {
                    method: "POST",
                    body: { reason: "revoked from the dashboard" },
                  });
                  res.reload();
                }}
              />
            )}
          </>
        }
      >
        Bundle {b.version} <span class="muted">#{b.sequence}</span>{" "}
        <span data-testid="bundle-status">
          <StatusBadge status={b.status} />
        </span>
      </PageTitle>
      <ErrorBox error={res.error} title="Refresh failed; showing the last data" />
      <div class="summary-line">
        {b.risk && <StatusBadge status={b.risk} label={`${b.risk} risk`} />}
        <span class="muted">
          {b.source.type}
          {b.source.ref ? ` ${b.source.ref}` : ""} · created {dateTime(b.created_at)}
          {b.created_by ? ` by ${actorLabel(b.created_by)}` : ""}
          {b.compile_duration_ms !== null ? ` · compiled in ${b.compile_duration_ms} ms` : ""}
        </span>
        {inFlight && (
          <span class="muted" role="status">
            Compiling… this page updates by itself.
          </span>
        )}
      </div>
      {b.risk_reasons.length > 0 && (
        <ul class="risk-reasons" aria-label="Risk reasons">
          {b.risk_reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
      <Tabs
        label="Bundle details"
        tabs={TABS}
        selected={tab}
        onSelect={(t) => setQuery({ tab: t })}
      >
        {tab === "config" && <ConfigTab bundle={b} />}
        {tab === "overview" && <SignatureTab bundle={b} />}
        {tab === "sbom" && <SbomTab bundle={b} />}
        {tab === "compiler" && (
          <pre class="json">{b.compiler_output ?? "No compiler output yet."}</pre>
        )}
      </Tabs>
    </>
  );
}
