/**
 * Per-isolate request counters by project, method, route pattern and status.
 *
 * Trade-off (chosen over a D1 table of per-minute counters, which needs a schema change, and
 * Workers Analytics Engine, which does not run locally): each isolate counts its own requests in
 * memory and GET /metrics exposes the counters of the isolate that serves the scrape, labelled
 * with that isolate's id. Counting costs nothing on the request path, but a scrape sees only one
 * isolate: series of other isolates appear when they serve a scrape and vanish when the isolate
 * is recycled (a counter reset, which rate() handles). Treat these as a sample of traffic, not
 * a total; totals belong in Workers Analytics (the dashboard) or a future counter table.
 *
 * Only requests attributed to a project are counted (routes with `{project}`, node routes), so
 * every series can be shown to exactly the operators who may see that project.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../hono";

/** Series kept per isolate; requests that would add more are counted as overflow. */
export const MAX_REQUEST_SERIES = 5000;

/** One counter. */
export interface RequestSeries {
  projectId: string;
  method: string;
  route: string;
  status: number;
  count: number;
}

const series = new Map<string, RequestSeries>();
let overflow = 0;
let isolate: { id: string; startedAt: number } | null = null;

/**
 * This isolate's id and start time, created on first use (random values cannot be generated in
 * a Worker's global scope).
 */
export function isolateInfo(): { id: string; startedAt: number } {
  if (isolate === null) {
    isolate = { id: crypto.randomUUID().slice(0, 8), startedAt: Date.now() };
  }
  return isolate;
}

/** Adds one request to its series. */
export function countRequest(projectId: string, method: string, route: string, status: number) {
  const key = `${projectId} ${method} ${status} ${route}`;
  const existing = series.get(key);
  if (existing) {
    existing.count++;
  } else if (series.size < MAX_REQUEST_SERIES) {
    series.set(key, { projectId, method, route, status, count: 1 });
  } else {
    overflow++;
  }
}

/** A snapshot of the counters of this isolate. */
export function requestSeries(): { series: RequestSeries[]; overflow: number } {
  return { series: [...series.values()].map((s) => ({ ...s })), overflow };
}

/** Middleware: counts the request after it was answered (errors included). */
export const countRequests = createMiddleware<AppEnv>(async (c, next) => {
  isolateInfo();
  await next();
  const projectId = c.get("project")?.id ?? c.get("node")?.projectId;
  if (projectId !== undefined) {
    countRequest(projectId, c.req.method, c.req.routePath, c.res.status);
  }
});
