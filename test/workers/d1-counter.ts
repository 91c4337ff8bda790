/**
 * A D1Database wrapper that records every statement the app executes, so tests can assert the
 * cost of a request ("a no-update poll is exactly one read, no write").
 */

/** One executed statement. `batch` numbers the db.batch() call it ran in (null: run alone). */
export interface RecordedStatement {
  sql: string;
  kind: "read" | "write";
  batch: number | null;
}

/** The wrapped database plus what it recorded. */
export interface CountingD1 extends D1Database {
  readonly statements: RecordedStatement[];
  /** Number of batch() calls. */
  readonly batches: () => number;
  reads(): number;
  writes(): number;
  /** D1's own `meta.rows_written`, summed over every result (incl. index rows). */
  rowsWritten(): number;
  reset(): void;
}

/** SELECT/WITH … SELECT and PRAGMA reads are reads; everything else (incl. RETURNING) writes. */
export function classify(sql: string): "read" | "write" {
  const head = sql.trim().replace(/^\(+/, "").slice(0, 12).toUpperCase();
  if (head.startsWith("SELECT") || head.startsWith("PRAGMA")) {
    return "read";
  }
  if (head.startsWith("WITH")) {
    return /\b(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(sql) ? "write" : "read";
  }
  return "write";
}

/** Wraps `inner`; the app sees an ordinary D1Database. */
export function countingD1(inner: D1Database): CountingD1 {
  const statements: RecordedStatement[] = [];
  const sqlOf = new WeakMap<D1PreparedStatement, { sql: string; real: D1PreparedStatement }>();
  let batchCount = 0;
  let rowsWritten = 0;
  const tally = <R extends { meta?: { rows_written?: number } }>(result: R): R => {
    rowsWritten += result.meta?.rows_written ?? 0;
    return result;
  };
  const record = (sql: string, batch: number | null) =>
    statements.push({ sql, kind: classify(sql), batch });

  const wrap = (sql: string, real: D1PreparedStatement): D1PreparedStatement => {
    const wrapped: D1PreparedStatement = {
      bind: (...values: unknown[]) => wrap(sql, real.bind(...values)),
      first: ((col?: string) => {
        record(sql, null);
        return col === undefined ? real.first() : real.first(col);
      }) as D1PreparedStatement["first"],
      run: (() => {
        record(sql, null);
        return real.run().then(tally);
      }) as D1PreparedStatement["run"],
      all: (() => {
        record(sql, null);
        return real.all().then(tally);
      }) as D1PreparedStatement["all"],
      raw: ((options?: { columnNames?: boolean }) => {
        record(sql, null);
        return options?.columnNames ? real.raw({ columnNames: true }) : real.raw();
      }) as D1PreparedStatement["raw"],
    };
    sqlOf.set(wrapped, { sql, real });
    return wrapped;
  };

  const db: CountingD1 = {
    statements,
    batches: () => batchCount,
    reads: () => statements.filter((s) => s.kind === "read").length,
    writes: () => statements.filter((s) => s.kind === "write").length,
    rowsWritten: () => rowsWritten,
    reset: () => {
      statements.length = 0;
      batchCount = 0;
      rowsWritten = 0;
    },
    prepare: (sql: string) => wrap(sql, inner.prepare(sql)),
    batch: (<T>(list: D1PreparedStatement[]) => {
      batchCount += 1;
      const reals = list.map((s) => {
        const known = sqlOf.get(s);
        if (!known) {
          throw new Error("countingD1: batch() got a statement it did not prepare");
        }
        record(known.sql, batchCount);
        return known.real;
      });
      return inner.batch<T>(reals).then((results) => results.map(tally));
    }) as D1Database["batch"],
    exec: (sql: string) => {
      record(sql, null);
      return inner.exec(sql);
    },
    withSession: () => {
      throw new Error("countingD1: withSession is not wrapped");
    },
    dump: () => inner.dump(),
  };
  return db;
}
