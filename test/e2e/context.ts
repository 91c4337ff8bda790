/** What the global setup hands to the browser tests. */
export interface E2eContext {
  baseUrl: string;
  /** The seeded project's slug. */
  project: string;
  /** The seeded admin API key. */
  apiKey: string;
  /** The seeded reusable enrollment token of `project`. */
  enrollmentToken: string;
  adminEmail: string;
  adminPassword: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    e2e: E2eContext;
  }
}
