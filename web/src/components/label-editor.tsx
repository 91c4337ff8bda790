import { useState } from "preact/hooks";
import { ErrorBox, useAction } from "./ui";

/**
 * Edits a node's labels as key/value rows and saves the full set (PATCH replaces all labels).
 * Blank rows are ignored; the API validates keys and values and reports every problem.
 */
export function LabelEditor(props: {
  labels: Record<string, string>;
  onSave: (labels: Record<string, string>) => Promise<unknown>;
  onDone: () => void;
}) {
  const [rows, setRows] = useState<Array<[string, string]>>(() => {
    const entries = Object.entries(props.labels);
    return entries.length > 0 ? entries : [["", ""]];
  });
  const { busy, error, run } = useAction();
  const set = (i: number, col: 0 | 1, v: string) =>
    setRows(
      rows.map((r, j) => (j === i ? ((col === 0 ? [v, r[1]] : [r[0], v]) as [string, string]) : r)),
    );
  const save = async (e: Event) => {
    e.preventDefault();
    const labels = Object.fromEntries(
      rows.filter(([k]) => k.trim() !== "").map(([k, v]) => [k.trim(), v]),
    );
    const ok = await run(() => props.onSave(labels), "Labels saved");
    if (ok !== undefined) {
      props.onDone();
    }
  };
  return (
    <form onSubmit={save} class="label-editor" aria-label="Edit labels">
      {rows.map(([k, v], i) => (
        <div class="row" key={i}>
          <label class="sr-only" for={`lk-${i}`}>
            Label {i + 1} key
          </label>
          <input
            id={`lk-${i}`}
            placeholder="key"
            value={k}
            onInput={(e) => set(i, 0, e.currentTarget.value)}
          />
          <span aria-hidden="true">=</span>
          <label class="sr-only" for={`lv-${i}`}>
            Label {i + 1} value
          </label>
          <input
            id={`lv-${i}`}
            placeholder="value"
            value={v}
            onInput={(e) => set(i, 1, e.currentTarget.value)}
          />
          <button
            type="button"
            class="btn btn-ghost"
            aria-label={`Remove label ${k || i + 1}`}
            onClick={() => setRows(rows.filter((_, j) => j !== i))}
          >
            ✕
          </button>
        </div>
      ))}
      <ErrorBox error={error} title="Labels not saved" />
      <div class="row">
        <button type="button" class="btn" onClick={() => setRows([...rows, ["", ""]])}>
          Add label
        </button>
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? "Saving…" : "Save labels"}
        </button>
        <button type="button" class="btn btn-ghost" onClick={props.onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
