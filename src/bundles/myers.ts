/**
 * Myers' O((N+M)·D) difference algorithm in linear space (divide and conquer on the middle snake,
 * as in Myers 1986 section 4b and diff-match-patch's bisect), over sequences of integer tokens.
 */

/** One step of an edit script, with the 0-based indices of the lines it refers to. */
export type EditOp =
  | { kind: "equal"; aIndex: number; bIndex: number }
  | { kind: "delete"; aIndex: number; bIndex: number }
  | { kind: "insert"; aIndex: number; bIndex: number };

class Differ {
  readonly aChanged: Uint8Array;
  readonly bChanged: Uint8Array;

  constructor(
    private readonly a: Int32Array,
    private readonly b: Int32Array,
  ) {
    this.aChanged = new Uint8Array(a.length);
    this.bChanged = new Uint8Array(b.length);
  }

  compare(aLo: number, aHi: number, bLo: number, bHi: number): void {
    const { a, b } = this;
    while (aLo < aHi && bLo < bHi && a[aLo] === b[bLo]) {
      aLo++;
      bLo++;
    }
    while (aLo < aHi && bLo < bHi && a[aHi - 1] === b[bHi - 1]) {
      aHi--;
      bHi--;
    }
    if (aLo === aHi || bLo === bHi) {
      this.aChanged.fill(1, aLo, aHi);
      this.bChanged.fill(1, bLo, bHi);
      return;
    }
    const split = this.bisect(aLo, aHi, bLo, bHi);
    if (split === null) {
      this.aChanged.fill(1, aLo, aHi);
      this.bChanged.fill(1, bLo, bHi);
      return;
    }
    this.compare(aLo, split[0], bLo, split[1]);
    this.compare(split[0], aHi, split[1], bHi);
  }

  /** A point on an optimal path through the box, found where forward and reverse paths meet. */
  private bisect(aLo: number, aHi: number, bLo: number, bHi: number): [number, number] | null {
    const { a, b } = this;
    const n = aHi - aLo;
    const m = bHi - bLo;
    const maxD = Math.ceil((n + m) / 2);
    const offset = maxD + 1;
    // v[offset + k] = furthest x reached on diagonal k (-1: not reached yet).
    const vf = new Int32Array(2 * offset + 2).fill(-1);
    const vr = new Int32Array(2 * offset + 2).fill(-1);
    vf[offset + 1] = 0;
    vr[offset + 1] = 0;
    const delta = n - m;
    const front = delta % 2 !== 0;
    const at = (v: Int32Array, k: number): number => v[offset + k] ?? -1;
    let kfStart = 0;
    let kfEnd = 0;
    let krStart = 0;
    let krEnd = 0;
    for (let d = 0; d < maxD; d++) {
      for (let k = -d + kfStart; k <= d - kfEnd; k += 2) {
        let x =
          k === -d || (k !== d && at(vf, k - 1) < at(vf, k + 1))
            ? at(vf, k + 1)
            : at(vf, k - 1) + 1;
        let y = x - k;
        while (x < n && y < m && a[aLo + x] === b[bLo + y]) {
          x++;
          y++;
        }
        vf[offset + k] = x;
        if (x > n) {
          kfEnd += 2;
        } else if (y > m) {
          kfStart += 2;
        } else if (front) {
          const xr = at(vr, delta - k);
          if (Math.abs(delta - k) <= maxD && xr !== -1 && x >= n - xr) {
            return [aLo + x, bLo + y];
          }
        }
      }
      for (let k = -d + krStart; k <= d - krEnd; k += 2) {
        let x =
          k === -d || (k !== d && at(vr, k - 1) < at(vr, k + 1))
            ? at(vr, k + 1)
            : at(vr, k - 1) + 1;
        let y = x - k;
        while (x < n && y < m && a[aHi - 1 - x] === b[bHi - 1 - y]) {
          x++;
          y++;
        }
        vr[offset + k] = x;
        if (x > n) {
          krEnd += 2;
        } else if (y > m) {
          krStart += 2;
        } else if (!front) {
          const xf = at(vf, delta - k);
          if (Math.abs(delta - k) <= maxD && xf !== -1 && xf >= n - x) {
            return [aLo + xf, bLo + xf - (delta - k)];
          }
        }
      }
    }
    return null;
  }
}

/** Marks the tokens of `of` that never occur in `other`: they can never be part of a match. */
function unmatched(of: Int32Array, other: Int32Array): Uint8Array {
  const present = new Set(other);
  return Uint8Array.from(of, (token) => (present.has(token) ? 0 : 1));
}

/** Indices of `tokens` whose flag is 0 (the tokens that take part in the Myers run). */
function keptIndices(flags: Uint8Array): Int32Array {
  const kept: number[] = [];
  flags.forEach((flag, i) => {
    if (flag === 0) {
      kept.push(i);
    }
  });
  return Int32Array.from(kept);
}

/**
 * Changed-flags for both sequences. Tokens absent from the other side are set aside first (exact:
 * they cannot be in any common subsequence), which makes rewrites of unique lines linear.
 */
function changedFlags(a: Int32Array, b: Int32Array): [Uint8Array, Uint8Array] {
  const aChanged = unmatched(a, b);
  const bChanged = unmatched(b, a);
  const aKept = keptIndices(aChanged);
  const bKept = keptIndices(bChanged);
  const differ = new Differ(
    Int32Array.from(aKept, (i) => a[i] ?? -1),
    Int32Array.from(bKept, (j) => b[j] ?? -1),
  );
  differ.compare(0, aKept.length, 0, bKept.length);
  differ.aChanged.forEach((flag, i) => {
    aChanged[aKept[i] ?? 0] = flag;
  });
  differ.bChanged.forEach((flag, j) => {
    bChanged[bKept[j] ?? 0] = flag;
  });
  return [aChanged, bChanged];
}

/**
 * Shortest edit script turning `a` into `b` (token sequences compared by value). Deletions come
 * before insertions within each changed region.
 */
export function diffTokens(a: Int32Array, b: Int32Array): EditOp[] {
  const [aChanged, bChanged] = changedFlags(a, b);
  const ops: EditOp[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && aChanged[i] === 1) {
      ops.push({ kind: "delete", aIndex: i++, bIndex: j });
    } else if (j < b.length && bChanged[j] === 1) {
      ops.push({ kind: "insert", aIndex: i, bIndex: j++ });
    } else {
      ops.push({ kind: "equal", aIndex: i++, bIndex: j++ });
    }
  }
  return ops;
}
