import type { App } from "../hono";
import { registerWafAnomalies } from "./anomalies";
import { registerWafBlocks } from "./blocks";
import { registerWafNodes } from "./nodes";
import { registerWafTopRules } from "./top-rules";

/** WAF analytics routes (operator API, read-only). */
export function registerWafRoutes(app: App): void {
  registerWafTopRules(app);
  registerWafBlocks(app);
  registerWafNodes(app);
  registerWafAnomalies(app);
}
