import { type Cell, type SideFile, sideBySide } from "../lib/unified-diff";

const SR_KIND: Record<Cell["kind"], string> = {
  ctx: "",
  del: "removed: ",
  add: "added: ",
  empty: "",
};

function CellView({ cell }: { cell: Cell }) {
  return (
    <>
      <td class={`dln diff-${cell.kind}`}>{cell.n ?? ""}</td>
      <td class={`diff-text diff-${cell.kind}`}>
        {SR_KIND[cell.kind] && <span class="sr-only">{SR_KIND[cell.kind]}</span>}
        {cell.text}
      </td>
    </>
  );
}

function FileDiff({ file }: { file: SideFile }) {
  return (
    <table class="diff">
      <caption>{file.path}</caption>
      <thead>
        <tr>
          <th scope="col" class="dln">
            <span class="sr-only">Line before</span>
          </th>
          <th scope="col">Before</th>
          <th scope="col" class="dln">
            <span class="sr-only">Line after</span>
          </th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {file.rows.map((row, i) =>
          "hunk" in row ? (
            <tr key={i} class="diff-hunk">
              <td colSpan={4}>{row.hunk}</td>
            </tr>
          ) : (
            <tr key={i}>
              <CellView cell={row.left} />
              <CellView cell={row.right} />
            </tr>
          ),
        )}
      </tbody>
    </table>
  );
}

/** A unified diff shown side by side, one table per file. */
export function DiffView({ unified }: { unified: string }) {
  const files = sideBySide(unified);
  if (files.length === 0) {
    return <p class="muted">The config files are identical.</p>;
  }
  return (
    <div class="diff-files">
      {files.map((f) => (
        <FileDiff key={f.path} file={f} />
      ))}
    </div>
  );
}
