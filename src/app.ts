import { registerAlertRoutes } from "./api/alerts";
import { registerApiKeyRoutes } from "./api/api-keys";
import { registerAuditRoutes } from "./api/audit";
import { registerAuthRoutes } from "./api/auth";
import { registerSessionAuth } from "./api/auth/session-auth";
import { registerBundleRoutes } from "./api/bundles";
import { registerConfigRoutes } from "./api/config";
import { registerEnrollmentTokenRoutes } from "./api/enrollment-tokens";
import { registerEnvironmentRoutes } from "./api/environments";
import { errorResponse, handleError } from "./api/errors";
import { registerFreezeWindowRoutes } from "./api/freeze-windows";
import { type App, newRouter } from "./api/hono";
import { registerIntegrationRoutes } from "./api/integrations";
import { registerLiveRoutes } from "./api/live";
import { registerDocsPage } from "./api/meta/docs-page";
import { registerHealthz } from "./api/meta/healthz";
import { registerOpenApi } from "./api/meta/openapi";
import { registerMetricsRoute } from "./api/metrics";
import { countRequests } from "./api/metrics/request-counter";
import { limitBody } from "./api/middleware/body-limit";
import { init } from "./api/middleware/init";
import { guardJsonBody } from "./api/middleware/json-guard";
import { operatorAuth } from "./api/middleware/operator-auth";
import { rateLimit } from "./api/middleware/rate-limit";
import { apiSecureHeaders } from "./api/middleware/secure-headers";
import { registerNodeApiRoutes } from "./api/node-api";
import { registerNodeRoutes } from "./api/nodes";
import { registerNotificationRoutes } from "./api/notifications";
import { registerOrgRoutes } from "./api/orgs";
import { registerProjectRoutes } from "./api/projects";
import { registerRolloutRoutes } from "./api/rollouts";
import { registerSigningKeyRoutes } from "./api/signing-keys";
import { registerSloRoutes } from "./api/slos";
import { registerSsoProviderRoutes } from "./api/sso-providers";
import { registerMetricsQuery } from "./api/telemetry/query";
import { registerUserRoutes } from "./api/users";
import { registerWafRoutes } from "./api/waf";
import { registerWebhookRoutes } from "./api/webhooks";

/**
 * Paths authenticated by node credentials (or an enrollment token / webhook signature), not
 * operator credentials. Node JWTs also arrive as `Authorization: Bearer`, so operator auth must
 * not look at these.
 */
const NON_OPERATOR_PATHS = [
  /^\/api\/v1\/nodes\//,
  /^\/api\/v1\/projects\/[^/]+\/nodes\/register$/,
  /^\/api\/v1\/webhooks\//,
];

/**
 * Builds the Hono app: middleware first, then one register call per resource. The order of the
 * register calls is the table of contents of the API.
 */
export function createApp(): App {
  registerSessionAuth();
  const app = newRouter();
  app.use("*", init);
  app.use("*", apiSecureHeaders);
  app.use("*", countRequests);
  app.use("/api/*", limitBody);
  app.use("/api/*", async (c, next) => {
    if (NON_OPERATOR_PATHS.some((re) => re.test(c.req.path))) {
      return next();
    }
    return operatorAuth(c, next);
  });
  app.use("/api/*", rateLimit);
  // After authentication and rate limiting: anonymous or throttled callers are answered
  // without their body being parsed.
  app.use("/api/*", guardJsonBody);

  // Meta
  registerHealthz(app);
  registerOpenApi(app);
  registerDocsPage(app);
  registerMetricsRoute(app);
  // Node API
  registerNodeApiRoutes(app);
  // Sign-in (dashboard sessions, TOTP)
  registerAuthRoutes(app);
  // Operator API
  registerOrgRoutes(app);
  registerSsoProviderRoutes(app);
  registerUserRoutes(app);
  registerApiKeyRoutes(app);
  registerProjectRoutes(app);
  registerEnrollmentTokenRoutes(app);
  registerNodeRoutes(app);
  registerBundleRoutes(app);
  registerConfigRoutes(app);
  registerRolloutRoutes(app);
  registerFreezeWindowRoutes(app);
  registerSigningKeyRoutes(app);
  registerAuditRoutes(app);
  registerNotificationRoutes(app);
  registerAlertRoutes(app);
  registerWafRoutes(app);
  registerEnvironmentRoutes(app);
  registerIntegrationRoutes(app);
  registerSloRoutes(app);
  registerMetricsQuery(app);
  // Inbound webhooks (signature-authenticated)
  registerWebhookRoutes(app);
  // Dashboard live updates (WebSocket per project)
  registerLiveRoutes(app);

  app.notFound((c) => errorResponse(c, "NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`));
  app.onError(handleError);
  return app;
}
