import type { ComponentChildren } from "preact";
import { useId, useRef, useState } from "preact/hooks";
import { ApiRequestError } from "../lib/api";
import { humanize } from "../lib/format";
import { announce } from "./announcer";

const TONES: Record<string, "ok" | "info" | "warn" | "bad" | "muted"> = {
  online: "ok",
  healthy: "ok",
  compiled: "ok",
  completed: "ok",
  verified: "ok",
  active: "ok",
  valid: "ok",
  pending: "info",
  compiling: "info",
  running: "info",
  assigned: "info",
  staged: "info",
  scheduled: "info",
  deploying: "info",
  baking: "info",
  analysing: "info",
  awaiting_promotion: "warn",
  aborted: "muted",
  pending_approval: "warn",
  paused: "warn",
  degraded: "warn",
  unknown: "warn",
  rolling_back: "warn",
  used_up: "muted",
  expired: "muted",
  failed: "bad",
  offline: "bad",
  unhealthy: "bad",
  invalid: "bad",
  revoked: "muted",
  cancelled: "muted",
  skipped: "muted",
  rolled_back: "muted",
  retired: "muted",
  firing: "bad",
  resolved: "ok",
  inactive: "muted",
  silenced: "muted",
  spike: "bad",
  drop: "warn",
  critical: "bad",
  low: "ok",
  medium: "warn",
  high: "bad",
};

/** A coloured pill for a status word; colour is never the only cue (the word is shown). */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return (
    <span class={`badge tone-${TONES[status] ?? "muted"}`} data-status={status}>
      {label ?? humanize(status)}
    </span>
  );
}

/** Shows an error from the API (message, every detail, request id) or any other error. */
export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  if (!error) {
    return null;
  }
  if (error instanceof ApiRequestError) {
    const missing = error.status === 404 && error.message.startsWith("No route for");
    return (
      <div class="alert alert-bad" role="alert">
        <strong>{title ?? (missing ? "Not available on this server yet" : error.code)}</strong>
        <p>{error.message}</p>
        {error.details.length > 0 && (
          <ul>
            {error.details.map((d) => (
              <li key={`${d.path}${d.line}${d.message}`}>
                {d.line !== undefined && (
                  <code>
                    {d.file ?? "config"}:{d.line}:{d.column}
                  </code>
                )}
                {d.line === undefined && d.path && <code>{d.path}</code>} {d.message}
              </li>
            ))}
          </ul>
        )}
        {error.requestId && <p class="muted small">Request id: {error.requestId}</p>}
      </div>
    );
  }
  return (
    <div class="alert alert-bad" role="alert">
      <strong>{title ?? "Something went wrong"}</strong>
      <p>{String(error)}</p>
    </div>
  );
}

/** A short loading line (announced politely by assistive technology). */
export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p class="muted" role="status">
      {what}…
    </p>
  );
}

/** A placeholder for empty lists. */
export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

/** Runs an async action with a busy flag and its error; announces `done` on success. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async <T,>(fn: () => Promise<T>, done?: string): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      const result = await fn();
      if (done) {
        announce(done);
      }
      return result;
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError };
}

/**
 * A button that asks for confirmation in a modal dialog (native <dialog>: focus is trapped and
 * Escape cancels) before running `onConfirm`.
 */
export function ConfirmButton(props: {
  label: string;
  title: string;
  body: ComponentChildren;
  confirmLabel?: string;
  danger?: boolean;
  disabled?: boolean;
  onConfirm: () => Promise<unknown> | unknown;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const { busy, error, run } = useAction();
  const confirm = async () => {
    await run(async () => {
      await props.onConfirm();
      dialog.current?.close();
    });
  };
  return (
    <>
      <button
        type="button"
        class={props.danger ? "btn btn-danger" : "btn"}
        disabled={props.disabled || busy}
        onClick={() => dialog.current?.showModal()}
      >
        {props.label}
      </button>
      <dialog ref={dialog} aria-labelledby={titleId}>
        <h2 id={titleId}>{props.title}</h2>
        <div>{props.body}</div>
        <ErrorBox error={error} />
        <div class="row end">
          <button type="button" class="btn btn-ghost" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button
            type="button"
            class={props.danger ? "btn btn-danger" : "btn btn-primary"}
            disabled={busy}
            onClick={confirm}
          >
            {busy ? "Working…" : (props.confirmLabel ?? props.label)}
          </button>
        </div>
      </dialog>
    </>
  );
}

/** A secret shown exactly once, with a copy button. */
export function SecretOnce({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div class="alert alert-warn" role="status">
      <strong>{label}</strong>
      <p>Copy it now: it is shown only once and cannot be retrieved later.</p>
      <div class="row">
        <code class="secret" data-testid="secret">
          {value}
        </code>
        <button
          type="button"
          class="btn"
          onClick={() =>
            void navigator.clipboard?.writeText(value).then(() => {
              setCopied(true);
              announce("Copied to the clipboard");
            })
          }
        >
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
    </div>
  );
}

/** A labelled form field; `error` is tied to the control with aria-describedby. */
export function Field(props: {
  id: string;
  label: string;
  hint?: string;
  error?: string | null;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint && (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p class="field-error" id={`${props.id}-error`}>
          {props.error}
        </p>
      )}
    </div>
  );
}

/** Page heading; focused after navigation so screen readers announce the new page. */
export function PageTitle({
  children,
  actions,
}: {
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <div class="page-head">
      <h1 tabIndex={-1} id="page-title">
        {children}
      </h1>
      {actions && <div class="row">{actions}</div>}
    </div>
  );
}
