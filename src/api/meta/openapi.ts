import type { App } from "../hono";
import { SERVICE_VERSION } from "./healthz";

/** Serves the OpenAPI 3.1 document at /api/v1/openapi.json (every route, node routes included). */
export function registerOpenApi(app: App): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "Operator API key (`zcp_…`), sent as `Authorization: Bearer <key>`.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "nodeKey", {
    type: "apiKey",
    in: "header",
    name: "X-Zentinel-Node-Key",
    description: "Static node key returned once at registration.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "nodeJwt", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "EdDSA node JWT from POST /api/v1/nodes/{node_id}/token.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "enrollmentToken", {
    type: "apiKey",
    in: "header",
    name: "X-Zentinel-Enrollment-Token",
    description: "Enrollment token (`zet_…`) for node registration.",
  });
  app.doc31("/api/v1/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Zentinel Control Plane API",
      version: SERVICE_VERSION,
      description:
        "Node and operator API of the Zentinel fleet control plane. Errors always use the envelope " +
        '`{"error": {"code", "message", "request_id", "details"}}` and list every validation problem. ' +
        "Lists take `?limit=` (default 50, max 500) and `?cursor=` and answer `{items, next_cursor}`. " +
        "Every response carries `X-Request-Id`.",
    },
    tags: [
      { name: "Meta", description: "Health, this document, metrics." },
      { name: "Auth", description: "Dashboard sign-in: sessions, CSRF, TOTP." },
      { name: "Orgs", description: "Orgs, members and roles (admin > operator > reader)." },
      {
        name: "API keys",
        description: "Scoped operator keys; shown once, hashed at rest, no escalation.",
      },
      { name: "Projects" },
      { name: "Enrollment tokens", description: "Tokens nodes present to register." },
      { name: "Node API", description: "Called by zentinel-agent on every node." },
      { name: "Nodes", description: "The fleet as operators see it." },
      { name: "Bundles", description: "Validated, content-addressed, signed config bundles." },
      { name: "Signing keys", description: "Per-project Ed25519 keys; retired keys stay listed." },
      {
        name: "Rollouts",
        description: "Progressive delivery with gates, approvals and real rollback.",
      },
      {
        name: "Environments",
        description: "Promotion targets (label selectors with their own approvals).",
      },
      { name: "Audit", description: "Tamper-evident, HMAC-chained audit log." },
      { name: "Notifications", description: "Channels, routing rules and delivery logs." },
      { name: "Integrations", description: "GitOps settings." },
      { name: "Webhooks", description: "Inbound webhooks (GitHub push)." },
      { name: "Live", description: "Live dashboard updates over WebSocket." },
    ],
  });
}
