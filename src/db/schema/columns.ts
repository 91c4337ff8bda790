import { integer, text } from "drizzle-orm/sqlite-core";

/**
 * Shared column helpers. Times are stored as integer milliseconds since the epoch (UTC) and
 * rendered as ISO 8601 strings at the API boundary; ids are UUID strings unless noted.
 */
export const id = () => text("id").primaryKey();
export const createdAt = () => integer("created_at").notNull();
export const updatedAt = () => integer("updated_at").notNull();
/** A JSON column; drizzle serialises on write and parses on read. */
export const json = <T>(name: string) => text(name, { mode: "json" }).$type<T>();
