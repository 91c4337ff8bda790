import { useState } from "preact/hooks";
import {
  ConfirmButton,
  Empty,
  ErrorBox,
  Field,
  Loading,
  PageTitle,
  StatusBadge,
  useAction,
} from "../components/ui";
import { api, projectPath } from "../lib/api";
import { useProject } from "../lib/context";
import { dateTime, round, timeAgo } from "../lib/format";
import type { AlertHistoryEntry, AlertRule, AlertSilence } from "../lib/observability-types";
import type { Page } from "../lib/types";
import { onTypes, useResource } from "../lib/use-resource";

/** States change on the evaluator's 30 s alarm: refresh at that pace. */
const ALERTS_REFRESH_MS = 15_000;
const METRICS = [
  "error_rate",
  "latency_p99_ms",
  "waf_blocked",
  "nodes_offline",
  "cert_expiry_days",
];
const COMPARATORS = [">", ">=", "<", "<="];

function value(rule: AlertRule): string {
  if (rule.last_evaluated_at === null) {
    return "not evaluated yet";
  }
  return rule.last_value === null ? "no data" : `${round(rule.last_value)} ${rule.unit}`;
}

function RuleRows({ rules, names }: { rules: AlertRule[]; names: boolean }) {
  return (
    <div class="table-wrap">
      <table data-testid={names ? "alert-rules" : undefined}>
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">State</th>
            <th scope="col">Condition</th>
            <th scope="col">Value</th>
            <th scope="col">Since</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={r.id} data-testid="alert-row" data-state={r.state}>
              <td>
                {r.name}
                {r.service && <span class="muted"> · {r.service}</span>}
                {!r.enabled && <span class="muted"> (disabled)</span>}
              </td>
              <td>
                <StatusBadge status={r.state} />
                {r.silenced && <StatusBadge status="silenced" />}
              </td>
              <td>
                <code>
                  {r.metric} {r.comparator} {r.threshold}
                </code>
                {r.for_seconds > 0 && <span class="muted"> for {r.for_seconds} s</span>}
              </td>
              <td data-testid="alert-value">{value(r)}</td>
              <td title={dateTime(r.state_since)}>{timeAgo(r.state_since)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function NewRuleForm({ path, onDone }: { path: string; onDone: () => void }) {
  const [name, setName] = useState("");
  const [metric, setMetric] = useState("error_rate");
  const [comparator, setComparator] = useState(">");
  const [threshold, setThreshold] = useState("5");
  const [forS, setForS] = useState("60");
  const [service, setService] = useState("");
  const { busy, error, run } = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = {
      name: name.trim(),
      metric,
      comparator,
      threshold: Number(threshold),
      for_seconds: Number(forS),
      ...(service.trim() ? { service: service.trim() } : {}),
    };
    if (await run(() => api<AlertRule>(path, { method: "POST", body }), "Alert rule created")) {
      setName("");
      onDone();
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="new-rule-h">
      <h2 id="new-rule-h">New alert rule</h2>
      <div class="grid3">
        <Field id="ar-name" label="Name">
          <input id="ar-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field id="ar-metric" label="Metric">
          <select id="ar-metric" value={metric} onChange={(e) => setMetric(e.currentTarget.value)}>
            {METRICS.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </Field>
        <Field id="ar-service" label="Service" hint="Blank: whole project">
          <input
            id="ar-service"
            value={service}
            onInput={(e) => setService(e.currentTarget.value)}
          />
        </Field>
        <Field id="ar-cmp" label="Comparator">
          <select
            id="ar-cmp"
            value={comparator}
            onChange={(e) => setComparator(e.currentTarget.value)}
          >
            {COMPARATORS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </Field>
        <Field id="ar-threshold" label="Threshold">
          <input
            id="ar-threshold"
            type="number"
            step="any"
            value={threshold}
            onInput={(e) => setThreshold(e.currentTarget.value)}
          />
        </Field>
        <Field id="ar-for" label="For (seconds)">
          <input
            id="ar-for"
            type="number"
            min="0"
            value={forS}
            onInput={(e) => setForS(e.currentTarget.value)}
          />
        </Field>
      </div>
      <ErrorBox error={error} title="Rule not created" />
      <div class="row">
        <button type="submit" class="btn btn-primary" disabled={busy}>
          Create rule
        </button>
      </div>
    </form>
  );
}

function Silences({ rules, writable }: { rules: AlertRule[]; writable: boolean }) {
  const { project } = useProject();
  const path = projectPath(project.slug, "/alert-silences");
  const res = useResource(
    (signal) => api<Page<AlertSilence>>(`${path}?active=true&limit=100`, { signal }),
    [path],
    { refreshMs: ALERTS_REFRESH_MS },
  );
  const [ruleId, setRuleId] = useState("");
  const [hours, setHours] = useState("2");
  const [reason, setReason] = useState("");
  const { busy, error, run } = useAction();
  const names = new Map(rules.map((r) => [r.id, r.name]));
  const create = async (e: Event) => {
    e.preventDefault();
    const body = {
      ...(ruleId ? { rule_id: ruleId } : {}),
      ends_at: new Date(Date.now() + Number(hours) * 3_600_000).toISOString(),
      ...(reason.trim() ? { reason: reason.trim() } : {}),
    };
    if (await run(() => api(path, { method: "POST", body }), "Silence created")) {
      setReason("");
      res.reload();
    }
  };
  return (
    <section class="card" aria-labelledby="silences-h">
      <h2 id="silences-h">Silences</h2>
      {writable && (
        <form onSubmit={create}>
          <Field id="si-rule" label="Rule">
            <select id="si-rule" value={ruleId} onChange={(e) => setRuleId(e.currentTarget.value)}>
              <option value="">All rules</option>
              {rules.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </Field>
          <Field id="si-hours" label="Hours">
            <input
              id="si-hours"
              type="number"
              min="0.1"
              step="any"
              value={hours}
              onInput={(e) => setHours(e.currentTarget.value)}
            />
          </Field>
          <Field id="si-reason" label="Reason">
            <input
              id="si-reason"
              value={reason}
              onInput={(e) => setReason(e.currentTarget.value)}
            />
          </Field>
          <ErrorBox error={error} title="Silence not created" />
          <div class="row">
            <button type="submit" class="btn" disabled={busy}>
              Silence
            </button>
          </div>
        </form>
      )}
      <ErrorBox error={res.error} />
      {res.data && res.data.items.length === 0 && <Empty>No active silences.</Empty>}
      {res.data && res.data.items.length > 0 && (
        <ul class="plain" data-testid="silences">
          {res.data.items.map((s) => (
            <li key={s.id}>
              <strong>{s.rule_id ? (names.get(s.rule_id) ?? s.rule_id) : "All rules"}</strong> until{" "}
              {dateTime(s.ends_at)}
              {s.reason && <span class="muted"> · {s.reason}</span>}{" "}
              {writable && (
                <ConfirmButton
                  label="End"
                  title="End this silence?"
                  body="Alerts it covers notify again from the next evaluation."
                  confirmLabel="End silence"
                  onConfirm={async () => {
                    await api(`${path}/${s.id}`, { method: "DELETE" });
                    res.reload();
                  }}
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Alerts: what fires and what is pending, the rules, silences and the history of changes. */
export function AlertsPage() {
  const { project, can } = useProject();
  const rulesPath = projectPath(project.slug, "/alert-rules");
  const rules = useResource(
    (signal) => api<Page<AlertRule>>(`${rulesPath}?limit=200`, { signal }),
    [rulesPath],
    { live: onTypes("alert_rule"), refreshMs: ALERTS_REFRESH_MS },
  );
  const historyPath = projectPath(project.slug, "/alert-history");
  const history = useResource(
    (signal) => api<Page<AlertHistoryEntry>>(`${historyPath}?limit=50`, { signal }),
    [historyPath],
    { live: onTypes("alert_rule"), refreshMs: ALERTS_REFRESH_MS },
  );
  const all = rules.data?.items ?? [];
  const firing = all.filter((r) => r.state === "firing");
  const pending = all.filter((r) => r.state === "pending");
  const writable = can("projects:write");
  return (
    <>
      <PageTitle>Alerts</PageTitle>
      <ErrorBox error={rules.error} />
      {!rules.data && !rules.error && <Loading />}
      {rules.data && (
        <div class="grid2">
          <section class="card" aria-labelledby="firing-h">
            <h2 id="firing-h">
              Firing <span data-testid="firing-count">{firing.length}</span>
            </h2>
            {firing.length === 0 ? (
              <Empty>Nothing is firing.</Empty>
            ) : (
              <RuleRows rules={firing} names={false} />
            )}
          </section>
          <section class="card" aria-labelledby="pending-h">
            <h2 id="pending-h">Pending {pending.length}</h2>
            {pending.length === 0 ? (
              <Empty>Nothing is pending.</Empty>
            ) : (
              <RuleRows rules={pending} names={false} />
            )}
          </section>
          <section class="card span2" aria-labelledby="rules-h">
            <h2 id="rules-h">Rules</h2>
            {all.length === 0 ? <Empty>No alert rules yet.</Empty> : <RuleRows rules={all} names />}
          </section>
          <Silences rules={all} writable={writable} />
          <section class="card" aria-labelledby="history-h">
            <h2 id="history-h">History</h2>
            <ErrorBox error={history.error} />
            {history.data && history.data.items.length === 0 && (
              <Empty>No state changes yet.</Empty>
            )}
            {history.data && history.data.items.length > 0 && (
              <ul class="plain" data-testid="alert-history">
                {history.data.items.map((h) => (
                  <li key={h.id}>
                    <span title={dateTime(h.at)}>{timeAgo(h.at)}</span>{" "}
                    <strong>{h.rule_name}</strong> <StatusBadge status={h.from} /> →{" "}
                    <StatusBadge status={h.to} />
                    {h.notified && <span class="muted"> · notified</span>}
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      )}
      {writable && <NewRuleForm path={rulesPath} onDone={rules.reload} />}
    </>
  );
}
