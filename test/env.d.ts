import type { Env as WorkerEnv } from "../src/env";

declare global {
  namespace Cloudflare {
    /** The test env: the Worker's bindings plus test-only ones from vitest.config.ts. */
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    }
  }
}
