import { createMiddleware } from "hono/factory";
import { createServices } from "../../services";
import { createLogger } from "../../services/logger";
import type { AppEnv } from "../hono";

/** Incoming ids are honoured only if they look like ids (no log injection). */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * First middleware: assigns the request id (X-Request-Id in and out), builds the per-request
 * services, and writes one structured access-log line when the response is ready.
 */
export const init = createMiddleware<AppEnv>(async (c, next) => {
  const incoming = c.req.header("x-request-id");
  const requestId =
    incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : `req_${crypto.randomUUID()}`;
  c.set("requestId", requestId);
  const startedAt = Date.now();
  // A provisional logger so even a bad environment is logged with the request id.
  c.set("logger", createLogger("info", { request_id: requestId }));
  const services = createServices(c.env, c.executionCtx, requestId);
  c.set("services", services);
  c.set("logger", services.logger);
  try {
    await next();
  } finally {
    c.res.headers.set("X-Request-Id", requestId);
    services.logger.info("request", {
      method: c.req.method,
      path: c.req.path,
      route: c.req.routePath,
      status: c.res.status,
      duration_ms: Date.now() - startedAt,
    });
  }
});
