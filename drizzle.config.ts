import { defineConfig } from "drizzle-kit";

/** `npm run db:generate -- --name <change>` writes SQL to migrations/ (applied by wrangler and tests). */
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema/index.ts",
  out: "./migrations",
});
