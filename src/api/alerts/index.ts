import type { App } from "../hono";
import { registerListAlertHistory } from "./history-list";
import { registerCreateAlertRule } from "./rule-create";
import { registerDeleteAlertRule } from "./rule-delete";
import { registerGetAlertRule } from "./rule-get";
import { registerListAlertRules } from "./rule-list";
import { registerUpdateAlertRule } from "./rule-update";
import { registerCreateSilence } from "./silence-create";
import { registerDeleteSilence } from "./silence-delete";
import { registerListSilences } from "./silence-list";

/** Alert rules, silences and alert history (operator API). */
export function registerAlertRoutes(app: App): void {
  registerListAlertRules(app);
  registerCreateAlertRule(app);
  registerGetAlertRule(app);
  registerUpdateAlertRule(app);
  registerDeleteAlertRule(app);
  registerListSilences(app);
  registerCreateSilence(app);
  registerDeleteSilence(app);
  registerListAlertHistory(app);
}
