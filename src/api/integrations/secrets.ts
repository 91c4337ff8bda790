/**
 * Named per-project secrets (`project_secrets`), sealed at rest with the context
 * `zcp:project-secret:<project id>:<name>`: a value copied to another project or name does not
 * open.
 */
import { openText, projectSecretContext, sealText } from "../../notifications/sealed";
import type { Services } from "../../services";

/** The GitHub webhook HMAC secret. */
export const GITHUB_WEBHOOK_SECRET = "github_webhook";
/** Optional GitHub token for fetching configs from private repositories. */
export const GITHUB_TOKEN_SECRET = "github_token";

/** The statement storing (or replacing) a secret; for the caller's batch. */
export async function putSecretStatement(
  services: Pick<Services, "d1" | "config" | "clock">,
  projectId: string,
  name: string,
  value: string,
): Promise<D1PreparedStatement> {
  const sealed = await sealText(
    services.config.ZCP_MASTER_KEY,
    projectSecretContext(projectId, name),
    value,
  );
  return services.d1
    .prepare(
      `INSERT INTO project_secrets (project_id, name, value_enc, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (project_id, name) DO UPDATE SET value_enc = excluded.value_enc,
         created_at = excluded.created_at`,
    )
    .bind(projectId, name, sealed, services.clock.now());
}

/** The statement deleting a secret; for the caller's batch. */
export function deleteSecretStatement(
  d1: D1Database,
  projectId: string,
  name: string,
): D1PreparedStatement {
  return d1
    .prepare("DELETE FROM project_secrets WHERE project_id = ? AND name = ?")
    .bind(projectId, name);
}

/** Opens a sealed secret value of `projectId`. */
export function openSecret(
  services: Pick<Services, "config">,
  projectId: string,
  name: string,
  sealed: string,
): Promise<string> {
  return openText(services.config.ZCP_MASTER_KEY, projectSecretContext(projectId, name), sealed);
}

/** A secret's clear value, or null when it is not set. */
export async function readSecret(
  services: Pick<Services, "d1" | "config">,
  projectId: string,
  name: string,
): Promise<string | null> {
  const row = await services.d1
    .prepare("SELECT value_enc FROM project_secrets WHERE project_id = ? AND name = ?")
    .bind(projectId, name)
    .first<{ value_enc: string }>();
  return row ? openSecret(services, projectId, name, row.value_enc) : null;
}

/** Which of `names` are set for the project. */
export async function secretsSet(
  d1: D1Database,
  projectId: string,
  names: readonly string[],
): Promise<Set<string>> {
  const { results } = await d1
    .prepare(
      `SELECT name FROM project_secrets WHERE project_id = ? AND name IN (${names.map(() => "?").join(", ")})`,
    )
    .bind(projectId, ...names)
    .all<{ name: string }>();
  return new Set(results.map((r) => r.name));
}
