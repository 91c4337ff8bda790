import { createRoute } from "@hono/zod-openapi";
import { chainOf } from "../../services/audit";
import { verificationSchema, verifyChain } from "../audit/verify";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireOrgScope } from "../middleware/require-org-scope";
import { operatorSecurity } from "../security";
import { orgParam } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/orgs/{org}/audit-logs/verify",
  tags: ["Orgs"],
  summary: "Recompute the org-level audit hash chain",
  description:
    "Same checks as the project chain's verify: every HMAC, sequence continuity, links, the " +
    "retention anchor and the hub's head.",
  security: operatorSecurity("api_keys:admin"),
  middleware: [requireOrgScope("api_keys:admin")] as const,
  request: { params: orgParam },
  responses: {
    200: {
      description: "Verification result",
      content: { "application/json": { schema: verificationSchema } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/orgs/{org}/audit-logs/verify */
export const registerVerifyOrgAuditLogs = (app: App) =>
  app.openapi(route, async (c) =>
    c.json(await verifyChain(c.get("services"), chainOf(c.get("org").id, null)), 200),
  );
