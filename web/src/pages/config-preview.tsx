import { useState } from "preact/hooks";
import { DiffView } from "../components/diff-view";
import { KdlViewer } from "../components/kdl-viewer";
import { Empty, ErrorBox, Field, Loading, PageTitle, useAction } from "../components/ui";
import { api, projectPath } from "../lib/api";
import {
  type ConfigPreview,
  diagnosticWhere,
  lineDiagnostics,
  type PreviewDiagnostic,
} from "../lib/config-diagnostics";
import { useProject } from "../lib/context";
import { Link } from "../lib/router";
import { useResource } from "../lib/use-resource";

/** The validator's and the model's findings as a list (errors first, as the API orders them). */
export function DiagnosticList({ diagnostics }: { diagnostics: PreviewDiagnostic[] }) {
  if (diagnostics.length === 0) {
    return <p class="muted">No errors or warnings.</p>;
  }
  return (
    <ul class="plain" data-testid="config-diagnostics">
      {diagnostics.map((d, i) => (
        <li key={`${i}-${d.message}`} class={d.severity === "error" ? "field-error" : "warn"}>
          <strong>{d.severity === "error" ? "Error" : "Warning"}</strong>{" "}
          <code>{diagnosticWhere(d)}</code>: {d.message}
          {d.detail && <span class="muted small"> ({d.detail})</span>}
        </li>
      ))}
    </ul>
  );
}

/** The bundle submitted by POST …/config/compile (the fields this page shows). */
interface Submitted {
  bundle_id: string;
  version: string;
  status: string;
}

/**
 * The zentinel.kdl the config model generates, the validator's findings on it, the diff against
 * the newest compiled bundle, and (with config:write and bundles:write) a Compile button.
 */
export function ConfigPreviewPage() {
  const { project, can } = useProject();
  const base = `/p/${project.slug}`;
  const res = useResource(
    (signal) => api<ConfigPreview>(projectPath(project.slug, "/config/preview"), { signal }),
    [project.slug],
  );
  const [version, setVersion] = useState("");
  const [submitted, setSubmitted] = useState<Submitted | null>(null);
  const action = useAction();
  const title = "Generated config";
  if (!res.data) {
    return (
      <>
        <PageTitle>{title}</PageTitle>
        {res.error ? <ErrorBox error={res.error} /> : <Loading />}
      </>
    );
  }
  const preview = res.data;
  const mayCompile = can("config:write") && can("bundles:write");
  const compile = async (e: Event) => {
    e.preventDefault();
    const out = await action.run(
      () =>
        api<Submitted>(projectPath(project.slug, "/config/compile"), {
          method: "POST",
          body: version.trim() ? { version: version.trim() } : {},
        }),
      "Submitted for compilation",
    );
    if (out) {
      setSubmitted(out);
      res.reload();
    }
  };
  const files = Object.entries(preview.files);
  return (
    <>
      <PageTitle>{title}</PageTitle>
      <section class="card" aria-labelledby="diag-h">
        <h2 id="diag-h">
          Diagnostics{" "}
          <span class="muted small" data-testid="config-valid">
            {preview.valid ? "valid: compile would accept it" : "invalid: compile would reject it"}
          </span>
        </h2>
        <DiagnosticList diagnostics={preview.diagnostics} />
        {preview.secret_refs.length > 0 && (
          <p class="small muted">
            References (names only):{" "}
            {preview.secret_refs.map((r) => `${r.kind} ${r.name}`).join(", ")}
          </p>
        )}
      </section>
      {mayCompile && (
        <section class="card" aria-labelledby="compile-h">
          <h2 id="compile-h">Compile</h2>
          <form class="filters" onSubmit={compile}>
            <Field
              id="compile-version"
              label="Version label"
              hint='Optional; default "v<sequence>"'
            >
              <input
                id="compile-version"
                value={version}
                maxLength={100}
                aria-describedby="compile-version-hint"
                onInput={(e) => setVersion(e.currentTarget.value)}
              />
            </Field>
            <button class="btn btn-primary" type="submit" disabled={action.busy || !preview.valid}>
              {action.busy ? "Compiling…" : "Compile"}
            </button>
          </form>
          {action.error !== null && <ErrorBox error={action.error} title="Compile failed" />}
          {submitted && (
            <p data-testid="compiled-bundle">
              Submitted bundle{" "}
              <Link href={`${base}/bundles/${submitted.bundle_id}`}>{submitted.version}</Link> (
              {submitted.status}).
            </p>
          )}
        </section>
      )}
      {files.map(([path, text]) => (
        <KdlViewer
          key={path}
          path={path}
          text={text}
          diagnostics={lineDiagnostics(preview.diagnostics, path)}
        />
      ))}
      <section class="card" aria-labelledby="cdiff-h">
        <h2 id="cdiff-h">Changes against the newest compiled bundle</h2>
        {preview.diff === null ? (
          <Empty>No compiled bundle yet: everything is new.</Empty>
        ) : (
          <>
            <p class="small muted">
              Against{" "}
              <Link href={`${base}/bundles/${preview.diff.against}`}>{preview.diff.against}</Link>{" "}
              (+{preview.diff.added} −{preview.diff.removed})
            </p>
            {preview.diff.unified ? (
              <DiffView unified={preview.diff.unified} />
            ) : (
              <p class="muted">No change.</p>
            )}
          </>
        )}
      </section>
    </>
  );
}
