import { z } from "@hono/zod-openapi";
import type { ProjectRow } from "../../services";
import { iso, isoTime } from "../schemas";

export const projectSchema = z
  .object({
    id: z.string().uuid(),
    slug: z.string().openapi({ example: "demo" }),
    name: z.string().openapi({ example: "Demo" }),
    org_id: z.string().uuid(),
    settings: z.record(z.string(), z.unknown()),
    created_at: isoTime,
    updated_at: isoTime,
  })
  .openapi("Project");

export type ProjectResponse = z.infer<typeof projectSchema>;

/** API shape of a project row. */
export function toProject(p: ProjectRow): ProjectResponse {
  return {
    id: p.id,
    slug: p.slug,
    name: p.name,
    org_id: p.orgId,
    settings: { ...p.settings },
    created_at: iso(p.createdAt),
    updated_at: iso(p.updatedAt),
  };
}
