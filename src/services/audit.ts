import type { Env } from "../env";
import type { AuditInput, EventInput } from "../rpc/project-hub";

export type { AuditInput, EventInput };

/** Records audit entries and project events. Every mutation calls `record`. */
export interface AuditService {
  /** Appends audit entries (hash-chained) and events in one serialised write. */
  record(entry: AuditInput, events?: EventInput[]): Promise<void>;
  /** Emits events without an audit entry (e.g. node heartbeats flagged as suspicious). */
  emit(events: EventInput[]): Promise<void>;
}

/** The chain an entry belongs to: its project, or its org for org-level entries. */
export function chainOf(orgId: string, projectId: string | null): string {
  return projectId ?? `org:${orgId}`;
}

/**
 * AuditService over ProjectHubDO: one hub per chain serialises appends, so sequence numbers
 * never fork and each hash covers its predecessor.
 */
export function createAuditService(env: Env, now: () => number): AuditService {
  const hub = (chain: string) => env.PROJECT_HUB.get(env.PROJECT_HUB.idFromName(chain));
  return {
    async record(entry, events = []) {
      const chain = chainOf(entry.orgId, entry.projectId);
      await hub(chain).append(
        chain,
        [{ ...entry, createdAt: now() }],
        events.map((e) => ({ ...e, createdAt: now() })),
      );
    },
    async emit(events) {
      const byProject = new Map<string, EventInput[]>();
      for (const e of events) {
        byProject.set(e.projectId, [...(byProject.get(e.projectId) ?? []), e]);
      }
      await Promise.all(
        [...byProject].map(([projectId, list]) =>
          hub(projectId).append(
            projectId,
            [],
            list.map((e) => ({ ...e, createdAt: now() })),
          ),
        ),
      );
    },
  };
}
