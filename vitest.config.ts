import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));

/**
 * Two layers:
 * - `node`: pure modules (KDL validator, rollout domain, bundle format, agent) on Node 22.
 * - `workers`: routes, queue consumer, cron and Durable Objects inside workerd, with D1
 *   migrations applied from the same `migrations/` folder wrangler uses.
 */
export default defineConfig({
  test: {
    // The default report for people, plus one plain "N passed, N failed" closing line for CI.
    reporters: ["default", "./test/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "node",
          pool: "forks",
          include: ["test/unit/**/*.test.ts"],
          // Generous: the limit catches hangs; a loaded machine must not turn slowness into red.
          testTimeout: 60_000,
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: migrations,
                // Access logs would drown test output; warnings and errors still show.
                LOG_LEVEL: "warn",
                // Test-only secrets; production values come from `wrangler secret put`.
                ZCP_MASTER_KEY: "dGVzdC1tYXN0ZXIta2V5LXRlc3QtbWFzdGVyLWtleS0zMmI=",
                AUDIT_HMAC_KEY: "dGVzdC1hdWRpdC1rZXktdGVzdC1hdWRpdC1rZXktMzJieXQ=",
              },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          setupFiles: ["./test/workers/setup.ts"],
          // Rollouts driven through the node API take ~10 s on an idle machine and 3-4x that on
          // a loaded one; the limit is there to catch hangs, not to time them.
          testTimeout: 90_000,
        },
      },
      {
        // Browser tests: the built dashboard on wrangler dev (fresh state), driven by Chromium.
        test: {
          name: "e2e",
          pool: "forks",
          include: ["test/e2e/**/*.e2e.ts"],
          // One control plane for all files: run them one after another.
          fileParallelism: false,
          globalSetup: ["./test/e2e/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
