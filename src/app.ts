import { registerAuditRoutes } from "./api/audit";
import { errorResponse, handleError } from "./api/errors";
import { type App, newRouter } from "./api/hono";
import { registerDocsPage } from "./api/meta/docs-page";
import { registerHealthz } from "./api/meta/healthz";
import { registerOpenApi } from "./api/meta/openapi";
import { limitBody } from "./api/middleware/body-limit";
import { init } from "./api/middleware/init";
import { operatorAuth } from "./api/middleware/operator-auth";
import { registerProjectRoutes } from "./api/projects";

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
  const app = newRouter();
  app.use("*", init);
  app.use("/api/*", limitBody);
  app.use("/api/*", async (c, next) => {
    if (NON_OPERATOR_PATHS.some((re) => re.test(c.req.path))) {
      return next();
    }
    return operatorAuth(c, next);
  });

  // Meta
  registerHealthz(app);
  registerOpenApi(app);
  registerDocsPage(app);
  // Operator API
  registerProjectRoutes(app);
  registerAuditRoutes(app);

  app.notFound((c) => errorResponse(c, "NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`));
  app.onError(handleError);
  return app;
}
