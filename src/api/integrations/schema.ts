import { z } from "@hono/zod-openapi";
import type { Actor } from "../../auth/principal";
import type { ProjectSettings } from "../../db/schema";

/** Config path used when the integration names none. */
export const DEFAULT_CONFIG_PATH = "zentinel.kdl";
/** Branch used when the integration names none. */
export const DEFAULT_BRANCH = "main";

/**
 * Who GitOps acts as: bundles from the webhook are created by it (`created_by` "system:github")
 * and so are their auto-rollouts.
 */
export const GITHUB_ACTOR: Actor = { type: "system", id: "github", label: "GitHub webhook" };

/** The stored integration settings (`projects.settings.github`). */
export type GithubSettings = NonNullable<ProjectSettings["github"]>;

/** Repository "owner/name" as GitHub spells it. */
export const repoSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/, "must be 'owner/name'")
  .openapi({ example: "acme/edge-config" });

/** A branch name (a safe subset of git's ref-name rules). */
export const branchSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, "must be a branch name such as 'main'")
  .max(255)
  .refine((b) => !b.includes(".."), "must not contain '..'")
  .openapi({ example: DEFAULT_BRANCH });

/** The config path inside the repository: relative, no `..` segments. */
export const configPathSchema = z
  .string()
  .max(255)
  .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, "must be a relative path such as 'zentinel.kdl'")
  .refine((p) => !p.split("/").includes(".."), "must not contain '..' segments")
  .openapi({ example: "proxy/zentinel.kdl" });

export const githubIntegrationSchema = z
  .object({
    configured: z.boolean(),
    repo: z.string().nullable().openapi({ example: "acme/edge-config" }),
    branch: z.string().nullable().openapi({ example: "main" }),
    path: z.string().nullable().openapi({ example: "zentinel.kdl" }),
    auto_rollout: z.boolean(),
    secret_set: z.boolean(),
    token_set: z.boolean(),
    webhook_url: z.string().openapi({
      description: "Payload URL to configure in GitHub (content type application/json)",
      example: "https://cp.example.com/api/v1/webhooks/github",
    }),
  })
  .openapi("GithubIntegration");

export type GithubIntegrationResponse = z.infer<typeof githubIntegrationSchema>;

/** The API view of a project's GitHub integration (no secret values). */
export function toGithubIntegration(
  settings: GithubSettings | undefined,
  secrets: { secret: boolean; token: boolean },
  requestUrl: string,
): GithubIntegrationResponse {
  return {
    configured: settings !== undefined && secrets.secret,
    repo: settings?.repo ?? null,
    branch: settings ? (settings.branch ?? DEFAULT_BRANCH) : null,
    path: settings ? (settings.path ?? DEFAULT_CONFIG_PATH) : null,
    auto_rollout: settings?.auto_rollout ?? false,
    secret_set: secrets.secret,
    token_set: secrets.token,
    webhook_url: new URL("/api/v1/webhooks/github", requestUrl).toString(),
  };
}
