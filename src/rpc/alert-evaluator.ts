/** The RPC contract of AlertEvaluatorDO (binding `ALERT_EVALUATOR`, one object per project). */

/** What one evaluation pass over a project's enabled alert rules did. */
export interface AlertPassSummary {
  evaluated: number;
  transitions: number;
  notifications: number;
  /** Rules whose state write lost to a concurrent writer (skipped this pass). */
  conflicts: number;
}

/** The RPC surface of AlertEvaluatorDO. */
export interface AlertEvaluatorRpc extends Rpc.DurableObjectBranded {
  /** Remembers the project and arms the 30 s alarm if none is armed (idempotent). */
  ensureAlarm(projectId: string): Promise<void>;
  /** Runs one evaluation pass now (tests); arms nothing. */
  evaluateNow(projectId: string): Promise<AlertPassSummary>;
}
