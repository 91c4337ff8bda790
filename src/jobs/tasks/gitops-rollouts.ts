import { eq } from "drizzle-orm";
import { rolloutFromTemplate } from "../../api/environments/rollout-template";
import { GITHUB_ACTOR } from "../../api/integrations/schema";
import { projects } from "../../db/schema";
import type { ProjectRow, Services } from "../../services";
import { createRolloutFromSpec } from "../../services/rollout-create";
import { type CronTask, registerCronTask } from "../cron";

/** Only bundles compiled this recently are rolled out (turning the flag on never ships old ones). */
export const AUTO_ROLLOUT_WINDOW_MS = 60 * 60 * 1000;
/** Rollouts created per run. */
export const AUTO_ROLLOUT_LIMIT = 20;
/** Audit action (and event type) recording that an auto-rollout could not be created. */
export const AUTO_ROLLOUT_FAILED = "gitops.auto_rollout_failed";

interface Candidate {
  id: string;
  project_id: string;
}

/**
 * Bundles to roll out: created by the GitHub webhook for a project with `auto_rollout`,
 * compiled within the window, still the project's newest compiled bundle, with no rollout yet
 * and no recorded failure (each bundle is tried once per outcome, not every minute).
 */
async function candidates(services: Services, now: number): Promise<Candidate[]> {
  const { results } = await services.d1
    .prepare(
      `SELECT b.id, b.project_id FROM bundles b JOIN projects p ON p.id = b.project_id
       WHERE json_extract(p.settings, '$.github.auto_rollout') = 1
         AND b.source_type = 'git' AND b.created_by = ? AND b.status = 'compiled'
         AND b.deleted_at IS NULL AND b.compiled_at >= ?
         AND b.sequence = (SELECT MAX(x.sequence) FROM bundles x
                           WHERE x.project_id = b.project_id AND x.status = 'compiled'
                             AND x.deleted_at IS NULL)
         AND NOT EXISTS (SELECT 1 FROM rollouts r WHERE r.bundle_id = b.id)
         AND NOT EXISTS (SELECT 1 FROM audit_logs a WHERE a.project_id = b.project_id
                         AND a.action = ? AND a.resource_id = b.id)
       ORDER BY b.compiled_at
       LIMIT ?`,
    )
    .bind(
      `${GITHUB_ACTOR.type}:${GITHUB_ACTOR.id}`,
      now - AUTO_ROLLOUT_WINDOW_MS,
      AUTO_ROLLOUT_FAILED,
      AUTO_ROLLOUT_LIMIT,
    )
    .all<Candidate>();
  return results;
}

type Outcome = { ok: true } | { ok: false; code: string; message: string; details: unknown[] };

async function rollOut(
  services: Services,
  project: ProjectRow,
  bundleId: string,
): Promise<Outcome> {
  const template = rolloutFromTemplate(project.settings.rollout_template, bundleId, null);
  if (!template.ok) {
    return {
      ok: false,
      code: "BAD_REQUEST",
      message: "the project's rollout_template is invalid",
      details: template.details,
    };
  }
  const result = await createRolloutFromSpec(services, project, GITHUB_ACTOR, template.input);
  return result.ok
    ? { ok: true }
    : { ok: false, code: result.code, message: result.message, details: [...result.details] };
}

/**
 * GitOps auto-rollout. The webhook creates a bundle that compiles asynchronously, so the
 * rollout cannot start in the webhook: this task picks up webhook bundles once compiled and
 * creates their rollout from the project's `rollout_template` (target: its `target_selector`,
 * else every node; approvals: the project's policy) through the rollout service every other
 * interface uses. A refusal (freeze window, nodes busy, bad template) is audited and emitted as
 * `gitops.auto_rollout_failed` once, so notifications can tell someone.
 */
export const gitopsRolloutsTask: CronTask = {
  name: "gitops-rollouts",
  async run(services, scheduledTime) {
    let created = 0;
    let failed = 0;
    for (const c of await candidates(services, scheduledTime)) {
      const project = await services.db.query.projects.findFirst({
        where: eq(projects.id, c.project_id),
      });
      if (!project) {
        continue;
      }
      const outcome = await rollOut(services, project, c.id);
      if (outcome.ok) {
        created++;
        continue;
      }
      failed++;
      const failure = { bundle_id: c.id, code: outcome.code, message: outcome.message };
      await services.audit.record(
        {
          orgId: project.orgId,
          projectId: project.id,
          actor: GITHUB_ACTOR,
          action: AUTO_ROLLOUT_FAILED,
          resourceType: "bundle",
          resourceId: c.id,
          diff: { after: { ...failure, details: outcome.details } },
          requestId: services.requestId,
        },
        [
          {
            projectId: project.id,
            type: AUTO_ROLLOUT_FAILED,
            severity: "warning",
            resourceType: "bundle",
            resourceId: c.id,
            payload: failure,
          },
        ],
      );
    }
    return { created, failed };
  },
};

registerCronTask(gitopsRolloutsTask);
