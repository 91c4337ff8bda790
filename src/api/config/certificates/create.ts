import { createRoute } from "@hono/zod-openapi";
import { actorOf } from "../../../auth/principal";
import { configCertificates } from "../../../db/schema";
import { sealValue } from "../../../services/config-sealing";
import { conflict, errorResponses, operatorErrors } from "../../errors";
import type { App } from "../../hono";
import { requirePrincipal } from "../../middleware/operator-auth";
import { requireScope } from "../../middleware/require-scope";
import { projectParam } from "../../schemas";
import { operatorSecurity } from "../../security";
import { currentProject } from "../../tenant";
import {
  auditView,
  certificateSchema,
  checkedFacts,
  createCertificateBody,
  toCertificate,
} from "./schema";

const route = createRoute({
  method: "post",
  path: "/api/v1/projects/{project}/certificates",
  tags: ["Config model"],
  summary: "Upload a TLS certificate and its private key",
  description:
    "The certificate is parsed: a malformed PEM, an expired certificate or a key that does not " +
    "match it is 400 with every problem listed. The key is sealed at rest and only ever leaves " +
    "the control plane through the node secrets route, to nodes whose desired bundle uses it. " +
    "Listeners attach certificates by name; the first is the default, the others are chosen " +
    "by SNI from their SANs. Audited as `config.certificate.created` (facts only).",
  security: operatorSecurity("config:write"),
  middleware: [requireScope("config:write")] as const,
  request: {
    params: projectParam,
    body: { required: true, content: { "application/json": { schema: createCertificateBody } } },
  },
  responses: {
    201: {
      description: "The certificate",
      content: { "application/json": { schema: certificateSchema } },
    },
    409: errorResponses[409],
    ...operatorErrors,
  },
});

/** POST /api/v1/projects/{project}/certificates */
export const registerCreateCertificate = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, clock, audit, requestId, config } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const input = c.req.valid("json");
    const now = clock.now();
    const facts = await checkedFacts(input, now);
    const id = crypto.randomUUID();
    const sealedKey = await sealValue(
      config.ZCP_MASTER_KEY,
      "certificate-key",
      { projectId: project.id, id, version: 1 },
      input.key_pem,
    );
    const [row] = await db
      .insert(configCertificates)
      .values({
        id,
        projectId: project.id,
        name: input.name,
        certPem: input.cert_pem,
        chainPem: input.chain_pem ?? null,
        sealedKey,
        ...facts,
        version: 1,
        expiryWarnedDays: null,
        createdBy: `${actor.type}:${actor.id}`,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) {
      throw conflict(`A certificate named '${input.name}' already exists`, [
        { path: "name", message: "already in use" },
      ]);
    }
    await audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "config.certificate.created",
      resourceType: "certificate",
      resourceId: row.id,
      diff: { after: auditView(row) },
      requestId,
    });
    return c.json(toCertificate(row), 201);
  });
