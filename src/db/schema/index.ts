/**
 * The drizzle schema for the whole v1 data model. drizzle-kit reads this file
 * (`npm run db:generate`) and writes SQL migrations to `migrations/`.
 */
export * from "./alerts";
export * from "./audit";
export * from "./bundles";
export * from "./config";
export * from "./nodes";
export * from "./rollouts";
export * from "./saml";
export * from "./sso";
export * from "./telemetry";
export * from "./tenancy";
