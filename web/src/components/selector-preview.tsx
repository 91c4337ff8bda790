import { useProject } from "../lib/context";
import { fetchNodes } from "../lib/queries";
import type { TargetSelector } from "../lib/types";
import { useResource } from "../lib/use-resource";
import { ErrorBox, Loading, StatusBadge } from "./ui";

const SHOWN = 12;

/**
 * Which nodes a target selector matches right now (GET …/nodes?label=…), so an operator sees
 * the blast radius before starting. The engine resolves the selector again at creation.
 */
export function SelectorPreview({ selector }: { selector: TargetSelector }) {
  const { project } = useProject();
  const labels = Object.entries(selector.labels ?? {}).map(([k, v]) => `${k}:${v}`);
  const key = JSON.stringify(selector);
  const res = useResource(
    async (signal) => {
      const all = await fetchNodes(
        project.slug,
        selector.type === "labels" ? { label: labels } : {},
        signal,
      );
      if (selector.type === "node_ids") {
        const ids = new Set(selector.node_ids ?? []);
        return all.items.filter((n) => ids.has(n.id));
      }
      return all.items;
    },
    [project.slug, key],
  );
  if (!res.data) {
    return res.error ? <ErrorBox error={res.error} /> : <Loading what="Resolving the selector" />;
  }
  const nodes = res.data;
  const online = nodes.filter((n) => n.status === "online").length;
  return (
    <div class="preview" aria-live="polite" data-testid="selector-preview">
      <p>
        <strong>{nodes.length}</strong> node{nodes.length === 1 ? "" : "s"} match ({online} online)
      </p>
      <ul class="chips">
        {nodes.slice(0, SHOWN).map((n) => (
          <li class="chip" key={n.id}>
            {n.name} <StatusBadge status={n.status} />
          </li>
        ))}
        {nodes.length > SHOWN && <li class="chip">+{nodes.length - SHOWN} more</li>}
      </ul>
    </div>
  );
}
