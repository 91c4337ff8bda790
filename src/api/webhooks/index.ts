import type { App } from "../hono";
import { registerGithubWebhook } from "./github";

/** Inbound webhooks, authenticated by their signatures (not operator credentials). */
export function registerWebhookRoutes(app: App): void {
  registerGithubWebhook(app);
}
