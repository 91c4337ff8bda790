import { useState } from "preact/hooks";
import { KdlViewer } from "../components/kdl-viewer";
import { ErrorBox, Field, PageTitle, useAction } from "../components/ui";
import { ApiRequestError, api, projectPath } from "../lib/api";
import { useProject } from "../lib/context";
import { navigate } from "../lib/router";
import type { Bundle, Diagnostic } from "../lib/types";

const ENTRY = "zentinel.kdl";

interface ExtraFile {
  path: string;
  text: string;
}

/** The validator's positioned problems from a 422 envelope. */
function diagnosticsOf(err: unknown): Diagnostic[] {
  if (!(err instanceof ApiRequestError) || err.code !== "INVALID_CONFIG") {
    return [];
  }
  return err.details
    .filter((d) => d.line !== undefined)
    .map((d) => ({
      file: d.file ?? ENTRY,
      line: d.line ?? 0,
      column: d.column ?? 0,
      message: d.message,
    }));
}

/**
 * Submits a configuration. The API validates at once: a 422 lists every error with file, line
 * and column, shown inline in the submitted text. Accepted configs compile in the background;
 * the bundle page follows the compile live.
 */
export function BundleUploadPage() {
  const { project } = useProject();
  const [config, setConfig] = useState("");
  const [version, setVersion] = useState("");
  const [extra, setExtra] = useState<ExtraFile[]>([]);
  const { busy, error, run } = useAction();
  const diagnostics = diagnosticsOf(error);

  const loadFiles = async (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const files = [...(input.files ?? [])];
    const loaded = await Promise.all(
      files.map(async (f) => ({ path: f.name, text: await f.text() })),
    );
    const entry =
      loaded.find((f) => f.path === ENTRY) ?? (loaded.length === 1 ? loaded[0] : undefined);
    if (entry) {
      setConfig(entry.text);
    }
    setExtra([...extra, ...loaded.filter((f) => f !== entry)]);
    input.value = "";
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const body = {
      config,
      ...(version.trim() ? { version: version.trim() } : {}),
      ...(extra.length > 0
        ? { files: Object.fromEntries(extra.map((f) => [f.path, f.text])) }
        : {}),
      source: { type: "api" as const },
    };
    const bundle = await run(
      () => api<Bundle>(projectPath(project.slug, "/bundles"), { method: "POST", body }),
      "Config accepted; compiling",
    );
    if (bundle) {
      navigate(`/p/${project.slug}/bundles/${bundle.bundle_id}`);
    }
  };

  return (
    <>
      <PageTitle>Upload a config</PageTitle>
      <form onSubmit={submit} class="upload" aria-label="Upload a config">
        <Field id="version" label="Version label (optional)" hint="Defaults to v<sequence>">
          <input
            id="version"
            value={version}
            maxLength={100}
            onInput={(e) => setVersion(e.currentTarget.value)}
          />
        </Field>
        <Field id="files" label="Load from files" hint={`Pick ${ENTRY} and any files it includes`}>
          <input id="files" type="file" accept=".kdl,text/plain" multiple onChange={loadFiles} />
        </Field>
        <Field id="config" label={ENTRY}>
          <textarea
            id="config"
            rows={18}
            spellcheck={false}
            required
            class="mono"
            value={config}
            aria-invalid={diagnostics.some((d) => d.file === ENTRY)}
            aria-describedby={diagnostics.length > 0 ? "upload-errors" : undefined}
            onInput={(e) => setConfig(e.currentTarget.value)}
          />
        </Field>
        {extra.map((f, i) => (
          <div class="extra-file" key={f.path}>
            <Field id={`extra-${i}`} label={f.path}>
              <textarea
                id={`extra-${i}`}
                rows={6}
                spellcheck={false}
                class="mono"
                value={f.text}
                onInput={(e) =>
                  setExtra(
                    extra.map((x, j) => (j === i ? { ...x, text: e.currentTarget.value } : x)),
                  )
                }
              />
            </Field>
            <button
              type="button"
              class="btn btn-ghost"
              onClick={() => setExtra(extra.filter((_, j) => j !== i))}
            >
              Remove {f.path}
            </button>
          </div>
        ))}
        <div class="row">
          <button type="submit" class="btn btn-primary" disabled={busy || config.trim() === ""}>
            {busy ? "Validating…" : "Validate and upload"}
          </button>
        </div>
        <div id="upload-errors">
          <ErrorBox
            error={error}
            title={diagnostics.length > 0 ? "The config was rejected" : undefined}
          />
        </div>
        {diagnostics.length > 0 && (
          <section aria-label="Errors in the submitted files">
            {[ENTRY, ...extra.map((f) => f.path)]
              .filter((p) => diagnostics.some((d) => d.file === p))
              .map((p) => (
                <KdlViewer
                  key={p}
                  path={p}
                  text={p === ENTRY ? config : (extra.find((f) => f.path === p)?.text ?? "")}
                  diagnostics={diagnostics.filter((d) => d.file === p)}
                />
              ))}
          </section>
        )}
      </form>
    </>
  );
}
