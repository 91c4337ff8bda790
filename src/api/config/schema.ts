import { z } from "@hono/zod-openapi";
import { ENTITY_NAME, entityName } from "../../domain/config/specs";
import { parseKdl } from "../../kdl/parse";
import type { ConfigEntityRow } from "../../services/config-store";
import { iso, isoTime, projectParam } from "../schemas";

/** Path parameters `{project}` and `{name}`. */
export const nameParams = projectParam.extend({
  name: z
    .string()
    .regex(ENTITY_NAME)
    .openapi({ param: { name: "name", in: "path" }, example: "backend" }),
});

/** `name` in a create body. */
export const nameField = entityName.openapi({ example: "backend" });

/** Metadata every stored entity has besides its spec. */
export const entityMeta = {
  id: z.string().uuid(),
  name: z.string(),
  created_by: z.string().nullable(),
  created_at: isoTime,
  updated_at: isoTime,
};

/** API shape of an entity row: metadata plus the spec's fields at the top level. */
export function toEntity(row: ConfigEntityRow): Record<string, unknown> {
  return {
    ...row.spec,
    id: row.id,
    name: row.name,
    created_by: row.createdBy,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

/** Problems with KDL text fields of a spec: every `extra_kdl`-like field must parse. */
export function kdlFieldProblems(
  spec: Record<string, unknown>,
  fields: readonly string[] = ["extra_kdl", "document_kdl"],
): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  for (const field of fields) {
    const text = spec[field];
    if (typeof text !== "string" || text.trim() === "") {
      continue;
    }
    const parsed = parseKdl(text);
    if (!parsed.ok) {
      for (const p of parsed.problems) {
        problems.push({ path: field, message: `KDL syntax at ${p.line}:${p.column}: ${p.detail}` });
      }
    }
  }
  return problems;
}
