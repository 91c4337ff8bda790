import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { Principal } from "../../auth/principal";
import { projects } from "../../db/schema";
import { LIVE_GRANT_HEADER, type LiveGrant } from "../../rpc/project-hub";
import type { ProjectRow } from "../../services";
import { badRequest, errorResponses, forbidden, operatorErrors, unauthorized } from "../errors";
import type { App, AppEnv } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { grantFor, hubOf, LIVE_SCOPE } from "./grant";

const NO_CREDENTIALS =
  "Authentication required: a session cookie, an API key, or a valid ?ticket= from POST …/live-ticket";

/** Request headers never forwarded to the hub: credentials stay at the edge. */
const STRIPPED_HEADERS = ["cookie", "authorization", LIVE_GRANT_HEADER];

const query = z.object({
  ticket: z
    .string()
    .max(128)
    .optional()
    .openapi({
      param: { name: "ticket", in: "query" },
      description: "One-time ticket from POST …/live-ticket (API-key sign-in)",
      example: "zlt_q3V0n9Yb1xw2c8Kd4rT6uP0sA7eF5gH3jL1mN9oQ2zE",
    }),
});

/**
 * With operator credentials (session cookie, or `Authorization` from a non-browser client) the
 * usual project check applies; without them the handler redeems the ticket instead.
 */
const credentialsOrTicket = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get("principal")) {
    return requireScope(LIVE_SCOPE)(c, next);
  }
  await next();
});

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/live",
  tags: ["Live"],
  summary: "WebSocket of the project's changes (dashboard live updates)",
  description:
    "Upgrade to a WebSocket that receives one small JSON text message per change appended to the " +
    "project's audit chain or event stream: `{type, resource_type, resource_id, at}`, where `type` " +
    'is the audit action or event type. The first message is `{type: "hello"}` and a burst of ' +
    'changes may arrive as one `{type: "resync"}`: on both, refetch everything shown. Messages ' +
    "carry no resource contents, and only changes of resources the caller can read arrive. Send " +
    "the text `ping` at will: the answer is `pong`.\n\n" +
    "Authentication: the session cookie (same-origin upgrades only: a cross-origin `Origin` is " +
    "403), `Authorization: Bearer <api key>` from non-browser clients, or `?ticket=` from POST " +
    "…/live-ticket. An unknown, used or expired ticket is 401.",
  security: operatorSecurity(LIVE_SCOPE),
  middleware: [credentialsOrTicket] as const,
  request: { params: projectParam, query },
  responses: {
    101: { description: "Switching Protocols: the socket is open" },
    ...operatorErrors,
    500: errorResponses[500],
  },
});

/** Cookie-authenticated upgrades must come from this origin (no cross-site WebSocket hijacking). */
function requireSameOrigin(c: Context<AppEnv>, principal: Principal): void {
  const origin = c.req.header("origin");
  if (principal.kind !== "user" || origin === undefined) {
    return;
  }
  if (origin !== new URL(c.req.url).origin) {
    throw forbidden("Cross-origin WebSocket upgrades cannot use the session cookie");
  }
}

async function redeem(c: Context<AppEnv>, slug: string, ticket: string | undefined) {
  const invalid = unauthorized(NO_CREDENTIALS);
  if (ticket === undefined) {
    throw invalid;
  }
  const { db } = c.get("services");
  // A ticket lives in its project's hub, so it only opens that project. An unknown project is
  // answered like a bad ticket: without credentials, nothing about projects is revealed.
  const project = await db.query.projects.findFirst({ where: eq(projects.slug, slug) });
  const grant = project ? await hubOf(c, project).redeemLiveTicket(ticket) : null;
  if (!project || !grant) {
    throw invalid;
  }
  return { project, grant };
}

async function connect(c: Context<AppEnv>, project: ProjectRow, grant: LiveGrant) {
  const headers = new Headers(c.req.raw.headers);
  for (const name of STRIPPED_HEADERS) {
    headers.delete(name);
  }
  headers.set(LIVE_GRANT_HEADER, JSON.stringify(grant));
  const res = await hubOf(c, project).fetch(new Request(c.req.url, { headers }));
  if (res.status !== 101 || res.webSocket === null) {
    throw new Error(`project hub refused the live socket: ${res.status} ${await res.text()}`);
  }
  // A fresh response: the hub's headers are immutable, and middleware adds X-Request-Id.
  return new Response(null, { status: 101, webSocket: res.webSocket });
}

/** GET /api/v1/projects/{project}/live */
export const registerLiveSocket = (app: App) =>
  app.openapi(route, async (c) => {
    const slug = c.req.valid("param").project;
    const { ticket } = c.req.valid("query");
    // Credentials first, like every route: a caller with neither credentials nor a ticket
    // learns nothing else (not even that this route wants an upgrade). A ticket is only
    // redeemed on a real upgrade, so a plain GET does not burn it.
    if (!c.get("principal") && ticket === undefined) {
      throw unauthorized(NO_CREDENTIALS);
    }
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw badRequest("Expected a WebSocket upgrade", [
        { path: "Upgrade", message: "must be 'websocket'" },
      ]);
    }
    const principal = c.get("principal");
    if (principal) {
      requireSameOrigin(c, principal);
      const project = currentProject(c);
      return connect(c, project, grantFor(principal, project));
    }
    const { project, grant } = await redeem(c, slug, ticket);
    return connect(c, project, grant);
  });
