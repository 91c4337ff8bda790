import type { App } from "../hono";
import { registerDeleteGithubIntegration } from "./github-delete";
import { registerGetGithubIntegration } from "./github-get";
import { registerPutGithubIntegration } from "./github-put";

/** Inbound integrations (GitOps). */
export function registerIntegrationRoutes(app: App): void {
  registerPutGithubIntegration(app);
  registerGetGithubIntegration(app);
  registerDeleteGithubIntegration(app);
}
