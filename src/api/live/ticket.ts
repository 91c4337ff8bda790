import { createRoute, z } from "@hono/zod-openapi";
import { scopesIn } from "../../auth/principal";
import { LIVE_TICKET_TTL_MS } from "../../rpc/project-hub";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { isoTime, projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { grantFor, hubOf, LIVE_SCOPE } from "./grant";

const ticketSchema = z
  .object({
    ticket: z.string().openapi({
      description: `Pass as \`?ticket=\` to GET …/live within ${LIVE_TICKET_TTL_MS / 1000} s; works once`,
      example: "zlt_q3V0n9Yb1xw2c8Kd4rT6uP0sA7eF5gH3jL1mN9oQ2zE",
    }),
    expires_at: isoTime,
    scopes: z.array(z.string()).openapi({
      description:
        "The caller's read scopes in this project: the socket delivers changes of these resources",
      example: ["audit:read", "bundles:read", "nodes:read", "projects:read", "rollouts:read"],
    }),
  })
  .openapi("LiveTicket");

const route = createRoute({
  method: "post",
  path: "/api/v1/projects/{project}/live-ticket",
  tags: ["Live"],
  summary: "Get a one-time ticket for the project's live socket",
  description:
    "Browsers cannot set `Authorization` on a WebSocket. A dashboard signed in with an API key " +
    `trades it here for a single-use ticket valid for ${LIVE_TICKET_TTL_MS / 1000} s and opens ` +
    "`GET /api/v1/projects/{project}/live?ticket=…`, so the API key never appears in a URL. " +
    "Cookie sessions do not need a ticket. Read-only: issuing a ticket changes no resource and " +
    "is not audited.",
  security: operatorSecurity(LIVE_SCOPE),
  middleware: [requireScope(LIVE_SCOPE)] as const,
  request: { params: projectParam },
  responses: {
    201: {
      description: "A ticket (shown once)",
      content: { "application/json": { schema: ticketSchema } },
    },
    ...operatorErrors,
  },
});

/** POST /api/v1/projects/{project}/live-ticket */
export const registerLiveTicket = (app: App) =>
  app.openapi(route, async (c) => {
    const project = currentProject(c);
    const principal = requirePrincipal(c.get("principal"));
    const { ticket, expiresAt } = await hubOf(c, project).issueLiveTicket(
      grantFor(principal, project),
    );
    const scopes = [...scopesIn(principal, project.orgId, project.id)].sort();
    return c.json({ ticket, expires_at: new Date(expiresAt).toISOString(), scopes }, 201);
  });
