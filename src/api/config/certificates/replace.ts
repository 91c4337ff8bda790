import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { actorOf } from "../../../auth/principal";
import { configCertificates } from "../../../db/schema";
import { sealValue } from "../../../services/config-sealing";
import { conflict, errorResponses, notFound, operatorErrors } from "../../errors";
import type { App } from "../../hono";
import { requirePrincipal } from "../../middleware/operator-auth";
import { requireScope } from "../../middleware/require-scope";
import { operatorSecurity } from "../../security";
import { currentProject } from "../../tenant";
import { nameParams } from "../schema";
import {
  auditView,
  certificateMaterial,
  certificateSchema,
  checkedFacts,
  toCertificate,
} from "./schema";

const route = createRoute({
  method: "put",
  path: "/api/v1/projects/{project}/certificates/{name}",
  tags: ["Config model"],
  summary: "Replace a certificate (renewal)",
  description:
    "Same checks as the upload. The version goes up, so the next compile yields a new bundle id " +
    "and nodes fetch the new material; expiry warnings start over. A concurrent replacement is " +
    "409. Audited as `config.certificate.replaced`.",
  security: operatorSecurity("config:write"),
  middleware: [requireScope("config:write")] as const,
  request: {
    params: nameParams,
    body: {
      required: true,
      content: {
        "application/json": { schema: certificateMaterial.openapi("CertificateReplace") },
      },
    },
  },
  responses: {
    200: {
      description: "The certificate",
      content: { "application/json": { schema: certificateSchema } },
    },
    409: errorResponses[409],
    ...operatorErrors,
  },
});

/** PUT /api/v1/projects/{project}/certificates/{name} */
export const registerReplaceCertificate = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, clock, audit, requestId, config } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { name } = c.req.valid("param");
    const input = c.req.valid("json");
    const where = and(
      eq(configCertificates.projectId, project.id),
      eq(configCertificates.name, name),
    );
    const [existing] = await db.select().from(configCertificates).where(where).limit(1);
    if (!existing) {
      throw notFound(`Certificate '${name}'`);
    }
    const now = clock.now();
    const facts = await checkedFacts(input, now);
    const version = existing.version + 1;
    const sealedKey = await sealValue(
      config.ZCP_MASTER_KEY,
      "certificate-key",
      { projectId: project.id, id: existing.id, version },
      input.key_pem,
    );
    const [row] = await db
      .update(configCertificates)
      .set({
        certPem: input.cert_pem,
        chainPem: input.chain_pem ?? null,
        sealedKey,
        ...facts,
        version,
        expiryWarnedDays: null,
        updatedAt: now,
      })
      .where(and(where, eq(configCertificates.version, existing.version)))
      .returning();
    if (!row) {
      throw conflict(`Certificate '${name}' was replaced concurrently; retry`);
    }
    await audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "config.certificate.replaced",
      resourceType: "certificate",
      resourceId: row.id,
      diff: { before: auditView(existing), after: auditView(row) },
      requestId,
    });
    return c.json(toCertificate(row), 200);
  });
