/** A side of a side-by-side row: a line number and text, or nothing (padding). */
export interface Cell {
  n: number | null;
  text: string;
  kind: "ctx" | "del" | "add" | "empty";
}

/** One row of a side-by-side diff, or a hunk separator. */
export type SideRow = { hunk: string } | { left: Cell; right: Cell };

/** One file of a unified diff, laid out side by side. */
export interface SideFile {
  path: string;
  rows: SideRow[];
}

const EMPTY: Cell = { n: null, text: "", kind: "empty" };
const HUNK_RE = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/**
 * Lays out a unified diff (`diff -u`, as GET …/diff returns it) side by side: context lines on
 * both sides, and each run of removals paired row by row with the run of additions after it.
 * Hunk line counts decide where a hunk ends, so content lines that look like headers
 * (`--- x`) are still read as content.
 */
export function sideBySide(unified: string): SideFile[] {
  const files: SideFile[] = [];
  let file: SideFile | null = null;
  let fromPath = "";
  let oldN = 0;
  let newN = 0;
  let oldLeft = 0;
  let newLeft = 0;
  let dels: Cell[] = [];
  let adds: Cell[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(dels.length, adds.length); i++) {
      file?.rows.push({ left: dels[i] ?? EMPTY, right: adds[i] ?? EMPTY });
    }
    dels = [];
    adds = [];
  };
  for (const line of unified.split("\n")) {
    if (file && (oldLeft > 0 || newLeft > 0)) {
      const body = line.slice(1);
      if (line.startsWith("-")) {
        dels.push({ n: oldN++, text: body, kind: "del" });
        oldLeft--;
      } else if (line.startsWith("+")) {
        adds.push({ n: newN++, text: body, kind: "add" });
        newLeft--;
      } else if (!line.startsWith("\\")) {
        flush();
        file.rows.push({
          left: { n: oldN++, text: body, kind: "ctx" },
          right: { n: newN++, text: body, kind: "ctx" },
        });
        oldLeft--;
        newLeft--;
      }
      continue;
    }
    flush();
    if (line.startsWith("--- ")) {
      fromPath = line.slice(4).replace(/^a\//, "");
    } else if (line.startsWith("+++ ")) {
      // A removed file's new side is /dev/null: it is named by its old path.
      const path = line.slice(4).replace(/^b\//, "");
      file = { path: path === "/dev/null" ? `${fromPath} (removed)` : path, rows: [] };
      files.push(file);
    } else {
      const hunk = HUNK_RE.exec(line);
      if (hunk && file) {
        oldN = Number(hunk[1]);
        oldLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
        newN = Number(hunk[3]);
        newLeft = hunk[4] === undefined ? 1 : Number(hunk[4]);
        file.rows.push({ hunk: line });
      }
    }
  }
  flush();
  return files;
}
