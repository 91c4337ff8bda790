import type { Env as WorkerEnv } from "../src/env";

declare global {
  namespace Cloudflare {
    /** Types `exports.default` (from "cloudflare:workers") as our Worker's default export. */
    interface GlobalProps {
      mainModule: typeof import("../src/index");
    }
    /** The test env: the Worker's bindings plus test-only ones from vitest.config.ts. */
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    }
  }
}
