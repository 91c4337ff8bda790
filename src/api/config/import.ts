import { createRoute, z } from "@hono/zod-openapi";
import { actorOf } from "../../auth/principal";
import { BUNDLE_ENTRYPOINT } from "../../bundles/manifest";
import { submittedPathProblem } from "../../bundles/pipeline";
import { configEntities } from "../../db/schema";
import { generateConfig } from "../../domain/config/generate";
import { importConfig } from "../../domain/config/import";
import { modelOfEntities } from "../../domain/config/plan-model";
import { kindLabel, type ModelKind, referencesOf } from "../../domain/config/references";
import { validateConfig } from "../../kdl/index";
import {
  AGENT_KINDS,
  danglingProblems,
  loadStoredModel,
  namesOf,
  parseSpec,
} from "../../services/config-store";
import { ApiError, conflict, errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { previewDiagnosticSchema } from "./build-schema";

const body = z
  .object({
    config: z.string().min(1).openapi({ description: "Content of the entry file zentinel.kdl" }),
    files: z
      .record(z.string(), z.string())
      .optional()
      .superRefine((files, ctx) => {
        for (const path of Object.keys(files ?? {})) {
          const problem = submittedPathProblem(path);
          if (problem !== null) {
            ctx.addIssue({ code: "custom", message: problem, path: [path] });
          }
        }
      })
      .openapi({ description: "Files included from zentinel.kdl, by relative path" }),
  })
  .openapi("ConfigImport");

const query = z.object({
  dry_run: z
    .enum(["true", "false"])
    .optional()
    .openapi({ param: { name: "dry_run", in: "query" }, description: "true: only report" }),
});

const findingSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  message: z.string(),
  entity: z.string().optional(),
});

const resultSchema = z
  .object({
    dry_run: z.boolean(),
    entities: z.array(
      z.object({ kind: z.string(), name: z.string(), spec: z.record(z.string(), z.unknown()) }),
    ),
    unrepresented: z.array(findingSchema).openapi({
      description: "Constructs kept as raw KDL (extra_kdl / document_kdl) or ignored by the proxy",
    }),
    preview: z.object({ valid: z.boolean(), diagnostics: z.array(previewDiagnosticSchema) }),
  })
  .openapi("ConfigImportResult");

const route = createRoute({
  method: "post",
  path: "/api/v1/projects/{project}/config/import",
  tags: ["Config model"],
  summary: "Import existing KDL into the model (dry run with ?dry_run=true)",
  description:
    "Parses the config (includes expanded) into entities. Constructs the model cannot type are " +
    "kept as raw KDL on their entity (`extra_kdl`) or on the system block (`document_kdl`) and " +
    "listed in `unrepresented` with file, line and column; nothing is dropped silently. " +
    "Certificates and secrets are not imported (TLS blocks stay raw). A name that already " +
    "exists is 409 listing every clash; a config that cannot be imported is 422. Without " +
    "`dry_run` the entities are created in one batch and audited as `config.imported`.",
  security: operatorSecurity("config:write"),
  middleware: [requireScope("config:write")] as const,
  request: {
    params: projectParam,
    query,
    body: { required: true, content: { "application/json": { schema: body } } },
  },
  responses: {
    200: {
      description: "Dry run: what would be created",
      content: { "application/json": { schema: resultSchema } },
    },
    201: { description: "Created", content: { "application/json": { schema: resultSchema } } },
    409: errorResponses[409],
    422: errorResponses[422],
    ...operatorErrors,
  },
});

/** POST /api/v1/projects/{project}/config/import?dry_run= */
export const registerConfigImport = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, clock, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const input = c.req.valid("json");
    const dryRun = c.req.valid("query").dry_run === "true";
    const plan = importConfig({ ...input.files, [BUNDLE_ENTRYPOINT]: input.config });
    if (plan.errors.length > 0) {
      throw new ApiError(
        "INVALID_CONFIG",
        `The config cannot be imported: ${plan.errors.length} problem(s)`,
        {
          details: plan.errors.map((e) => ({ ...e })),
        },
      );
    }
    const stored = await loadStoredModel(db, project.id);
    const existing = namesOf(stored);
    const clashes = plan.entities
      .filter((e) => e.kind !== "system")
      .flatMap((e) => {
        const other = existing.find(
          (n) =>
            n.name === e.name &&
            (n.kind === e.kind || (AGENT_KINDS.has(e.kind) && AGENT_KINDS.has(n.kind))),
        );
        return other
          ? [
              {
                path: `${e.kind}/${e.name}`,
                message: `${kindLabel(other.kind)} '${e.name}' already exists`,
              },
            ]
          : [];
      });
    if (clashes.length > 0) {
      throw conflict(`${clashes.length} imported name(s) already exist in the project`, clashes);
    }
    const names = [
      ...existing,
      ...plan.entities.map((e) => ({ kind: e.kind as ModelKind, name: e.name })),
    ];
    const dangling = plan.entities.flatMap((e) =>
      danglingProblems(referencesOf(parseSpec(e.kind, e.spec)), names).map((p) => ({
        path: `${e.kind}/${e.name}.${p.path}`,
        message: p.message,
      })),
    );
    if (dangling.length > 0) {
      throw new ApiError(
        "INVALID_CONFIG",
        `The config refers to ${dangling.length} missing item(s)`,
        {
          details: dangling,
        },
      );
    }
    const generated = await generateConfig(modelOfEntities(plan.entities));
    const validation = validateConfig({
      entry: BUNDLE_ENTRYPOINT,
      files: { [BUNDLE_ENTRYPOINT]: generated.text },
    });
    const preview = {
      valid: generated.problems.length === 0 && validation.errors.length === 0,
      diagnostics: [
        ...generated.problems.map((p) => ({
          severity: "error" as const,
          source: "model" as const,
          ...p,
        })),
        ...validation.errors.map((d) => ({
          severity: "error" as const,
          source: "validator" as const,
          ...d,
        })),
        ...validation.warnings.map((d) => ({
          severity: "warning" as const,
          source: "validator" as const,
          ...d,
        })),
      ],
    };
    const result = {
      dry_run: dryRun,
      entities: plan.entities,
      unrepresented: plan.unrepresented,
      preview,
    };
    if (dryRun) {
      return c.json(result, 200);
    }
    const now = clock.now();
    const createdBy = `${actor.type}:${actor.id}`;
    const statements = plan.entities.map((e) =>
      db
        .insert(configEntities)
        .values({
          id: crypto.randomUUID(),
          projectId: project.id,
          kind: e.kind,
          name: e.name,
          spec: e.spec,
          createdBy,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoUpdate({
          target: [configEntities.projectId, configEntities.kind, configEntities.name],
          // Only the system block can already exist (other clashes were refused above).
          set: { spec: e.spec, updatedAt: now },
        }),
    );
    const [first, ...rest] = statements;
    if (first) {
      await db.batch([first, ...rest]);
    }
    await audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "config.imported",
      resourceType: "config",
      resourceId: project.id,
      diff: {
        after: {
          entities: plan.entities.map((e) => `${e.kind}/${e.name}`),
          unrepresented: plan.unrepresented.length,
        },
      },
      requestId,
    });
    return c.json(result, 201);
  });
