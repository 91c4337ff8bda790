import { z } from "@hono/zod-openapi";

/** ISO 8601 UTC timestamp, or null. */
export const isoTime = z
  .string()
  .openapi({ format: "date-time", example: "2026-11-22T10:00:00.000Z" });

/** Renders a stored millisecond timestamp as ISO 8601 (null stays null). */
export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** `?limit=&cursor=` for every list route (default 50, max 500). */
export const pageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .default(50)
    .openapi({ param: { name: "limit", in: "query" }, example: 50 }),
  cursor: z
    .string()
    .max(512)
    .optional()
    .openapi({
      param: { name: "cursor", in: "query" },
      description: "next_cursor of the previous page",
    }),
});

/** `{items, next_cursor}` list envelope around an item schema. */
export function listOf<T extends z.ZodTypeAny>(item: T, name: string) {
  return z
    .object({ items: z.array(item), next_cursor: z.string().nullable() })
    .openapi(`${name}List`);
}

/** Path parameter `{project}` (a project slug). */
export const projectParam = z.object({
  project: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "project", in: "path" }, example: "demo" }),
});

/** Path parameter for UUID ids. */
export const uuidParam = (name: string) =>
  z
    .string()
    .uuid()
    .openapi({ param: { name, in: "path" }, example: "7c1e8a4e-2f3b-4b8e-9d61-0a7f0d2c5e11" });

/** Project slugs: lowercase, digits and dashes, 2–63 characters. */
export const slugSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{1,62}$/,
    "must be 2–63 characters: a–z, 0–9 and '-', starting with a letter or digit",
  )
  .openapi({ example: "edge-eu" });
