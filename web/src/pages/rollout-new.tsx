import { useState } from "preact/hooks";
import { parseLabelFilter } from "../components/labels";
import { SelectorPreview } from "../components/selector-preview";
import { ErrorBox, Field, Loading, PageTitle, useAction } from "../components/ui";
import { api, projectPath } from "../lib/api";
import { useProject } from "../lib/context";
import { humanize } from "../lib/format";
import { fetchBundles, fetchNodes } from "../lib/queries";
import { navigate, useLocation } from "../lib/router";
import type { Rollout, TargetSelector } from "../lib/types";
import { useResource } from "../lib/use-resource";

type Strategy = "rolling" | "all_at_once" | "canary" | "blue_green";

const STRATEGY_HELP: Record<Strategy, string> = {
  rolling: "Batches of nodes, one after another; each batch must be active and healthy.",
  all_at_once: "Every target node at once.",
  canary: "Growing cohorts; each is compared with the rest of the fleet before the next.",
  blue_green: "A green cohort bakes on the new bundle; promote to move the rest.",
};

const val = (e: Event) => (e.currentTarget as HTMLInputElement).value;
/** A number input's value, or null when blank. */
const optNum = (s: string): number | null => (s.trim() === "" ? null : Number(s));

/** The rollout create form: bundle, target with live preview, strategy, gates, schedule. */
export function RolloutNewPage() {
  const { project } = useProject();
  const { query } = useLocation();
  const [bundleId, setBundleId] = useState(query.get("bundle") ?? "");
  const [target, setTarget] = useState<TargetSelector["type"]>("all");
  const [labelText, setLabelText] = useState("");
  const [nodeIds, setNodeIds] = useState<string[]>([]);
  const [strategy, setStrategy] = useState<Strategy>("rolling");
  const [f, setF] = useState({
    batch_size: "1",
    batch_percentage: "",
    max_unavailable: "0",
    progress_deadline_seconds: "600",
    bake_seconds: "0",
    max_error_rate: "",
    max_latency_ms: "",
    max_cpu_percent: "",
    max_memory_percent: "",
    canary_steps: "5, 25, 50, 100",
    analysis_window_seconds: "300",
    confidence: "0.95",
    green_percentage: "50",
    scheduled_at: "",
  });
  const [healthy, setHealthy] = useState(true);
  const [autoRollback, setAutoRollback] = useState(true);
  const [autoPromote, setAutoPromote] = useState(true);
  const { busy, error, run } = useAction();
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: val(e) });

  const data = useResource(
    async (signal) => {
      const [bundles, nodes] = await Promise.all([
        fetchBundles(project.slug, signal),
        fetchNodes(project.slug, {}, signal),
      ]);
      return { bundles: bundles.items.filter((b) => b.status === "compiled"), nodes: nodes.items };
    },
    [project.slug],
  );
  const labels = Object.fromEntries(
    parseLabelFilter(labelText).map((kv) => [
      kv.slice(0, kv.indexOf(":")),
      kv.slice(kv.indexOf(":") + 1),
    ]),
  );
  const selector: TargetSelector =
    target === "labels"
      ? { type: "labels", labels }
      : target === "node_ids"
        ? { type: "node_ids", node_ids: nodeIds }
        : { type: "all" };

  const submit = async (e: Event) => {
    e.preventDefault();
    const body = {
      bundle_id: bundleId,
      target_selector: selector,
      strategy,
      batch_size: optNum(f.batch_size),
      batch_percentage: optNum(f.batch_percentage),
      max_unavailable: optNum(f.max_unavailable),
      progress_deadline_seconds: optNum(f.progress_deadline_seconds),
      bake_seconds: optNum(f.bake_seconds),
      health_gates: {
        heartbeat_healthy: healthy,
        max_error_rate: optNum(f.max_error_rate),
        max_latency_ms: optNum(f.max_latency_ms),
        max_cpu_percent: optNum(f.max_cpu_percent),
        max_memory_percent: optNum(f.max_memory_percent),
      },
      auto_rollback: autoRollback,
      ...(strategy === "canary"
        ? {
            canary: {
              steps: f.canary_steps
                .split(/[,\s]+/)
                .filter(Boolean)
                .map(Number),
              analysis_window_seconds: optNum(f.analysis_window_seconds),
              confidence: optNum(f.confidence),
              auto_promote: autoPromote,
            },
          }
        : {}),
      ...(strategy === "blue_green"
        ? {
            blue_green: { green_percentage: optNum(f.green_percentage), auto_promote: autoPromote },
          }
        : {}),
      scheduled_at: f.scheduled_at ? new Date(f.scheduled_at).toISOString() : null,
    };
    const created = await run(
      () => api<Rollout>(projectPath(project.slug, "/rollouts"), { method: "POST", body }),
      "Rollout created",
    );
    if (created) {
      navigate(`/p/${project.slug}/rollouts/${created.id}`);
    }
  };

  if (!data.data) {
    return (
      <>
        <PageTitle>New rollout</PageTitle>
        {data.error ? <ErrorBox error={data.error} /> : <Loading />}
      </>
    );
  }
  const num = (k: keyof typeof f, label: string, hint?: string, step = "1") => (
    <Field id={`ro-${k}`} label={label} hint={hint}>
      <input id={`ro-${k}`} type="number" step={step} min="0" value={f[k]} onInput={set(k)} />
    </Field>
  );
  return (
    <>
      <PageTitle>New rollout</PageTitle>
      <form onSubmit={submit} class="rollout-form" aria-label="New rollout">
        <fieldset>
          <legend>Bundle</legend>
          <Field id="ro-bundle" label="Compiled bundle">
            <select
              id="ro-bundle"
              required
              value={bundleId}
              onChange={(e) => setBundleId(e.currentTarget.value)}
            >
              <option value="">Choose…</option>
              {data.data.bundles.map((b) => (
                <option key={b.bundle_id} value={b.bundle_id}>
                  {b.version} (#{b.sequence}){b.risk ? ` · ${b.risk} risk` : ""}
                </option>
              ))}
            </select>
          </Field>
        </fieldset>
        <fieldset>
          <legend>Target</legend>
          <div class="radios">
            {(["all", "labels", "node_ids"] as const).map((t) => (
              <label key={t}>
                <input
                  type="radio"
                  name="target"
                  value={t}
                  checked={target === t}
                  onChange={() => setTarget(t)}
                />{" "}
                {t === "all" ? "All nodes" : t === "labels" ? "Nodes with labels" : "Chosen nodes"}
              </label>
            ))}
          </div>
          {target === "labels" && (
            <Field id="ro-labels" label="Labels" hint="key:value pairs; a node needs all of them">
              <input
                id="ro-labels"
                placeholder="region:eu, tier:edge"
                value={labelText}
                onInput={(e) => setLabelText(val(e))}
              />
            </Field>
          )}
          {target === "node_ids" && (
            <fieldset class="checklist">
              <legend class="sr-only">Nodes</legend>
              {data.data.nodes.map((n) => (
                <label key={n.id}>
                  <input
                    type="checkbox"
                    checked={nodeIds.includes(n.id)}
                    onChange={(e) =>
                      setNodeIds(
                        e.currentTarget.checked
                          ? [...nodeIds, n.id]
                          : nodeIds.filter((x) => x !== n.id),
                      )
                    }
                  />{" "}
                  {n.name}
                </label>
              ))}
            </fieldset>
          )}
          <SelectorPreview selector={selector} />
        </fieldset>
        <fieldset>
          <legend>Strategy</legend>
          <div class="radios">
            {(Object.keys(STRATEGY_HELP) as Strategy[]).map((s) => (
              <label key={s}>
                <input
                  type="radio"
                  name="strategy"
                  value={s}
                  checked={strategy === s}
                  onChange={() => setStrategy(s)}
                />{" "}
                {humanize(s)}
              </label>
            ))}
          </div>
          <p class="hint">{STRATEGY_HELP[strategy]}</p>
          <div class="grid3">
            {strategy === "rolling" && num("batch_size", "Batch size (nodes)")}
            {strategy === "rolling" &&
              num("batch_percentage", "or batch percentage", "Overrides the size when set")}
            {strategy === "canary" && (
              <Field
                id="ro-canary_steps"
                label="Canary steps (% of target)"
                hint="Cumulative, increasing"
              >
                <input id="ro-canary_steps" value={f.canary_steps} onInput={set("canary_steps")} />
              </Field>
            )}
            {strategy === "canary" && num("analysis_window_seconds", "Analysis window (s)")}
            {strategy === "canary" && num("confidence", "Confidence", "e.g. 0.95", "0.01")}
            {strategy === "blue_green" && num("green_percentage", "Green cohort (%)")}
            {num("max_unavailable", "Max unavailable")}
            {num("progress_deadline_seconds", "Progress deadline (s)")}
            {num("bake_seconds", "Bake time (s)")}
          </div>
          {(strategy === "canary" || strategy === "blue_green") && (
            <label class="check">
              <input
                type="checkbox"
                checked={autoPromote}
                onChange={(e) => setAutoPromote(e.currentTarget.checked)}
              />{" "}
              Promote automatically (otherwise wait for an operator)
            </label>
          )}
        </fieldset>
        <fieldset>
          <legend>Health gates</legend>
          <label class="check">
            <input
              type="checkbox"
              checked={healthy}
              onChange={(e) => setHealthy(e.currentTarget.checked)}
            />{" "}
            Require healthy heartbeats
          </label>
          <div class="grid3">
            {num("max_error_rate", "Max error rate (%)", "Blank: no gate", "0.01")}
            {num("max_latency_ms", "Max p99 latency (ms)", "Blank: no gate")}
            {num("max_cpu_percent", "Max CPU (%)", "Blank: no gate")}
            {num("max_memory_percent", "Max memory (%)", "Blank: no gate")}
          </div>
          <label class="check">
            <input
              type="checkbox"
              checked={autoRollback}
              onChange={(e) => setAutoRollback(e.currentTarget.checked)}
            />{" "}
            Roll back automatically when a step fails
          </label>
        </fieldset>
        <fieldset>
          <legend>Schedule</legend>
          <Field id="ro-scheduled_at" label="Start at (optional, your local time)">
            <input
              id="ro-scheduled_at"
              type="datetime-local"
              value={f.scheduled_at}
              onInput={set("scheduled_at")}
            />
          </Field>
        </fieldset>
        <ErrorBox error={error} title="The rollout was not created" />
        <div class="row">
          <button type="submit" class="btn btn-primary" disabled={busy || !bundleId}>
            {busy ? "Creating…" : "Create rollout"}
          </button>
        </div>
      </form>
    </>
  );
}
