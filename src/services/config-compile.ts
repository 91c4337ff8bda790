/**
 * Model → bundle: load the stored model, generate canonical KDL, run the embedded validator, and
 * (for compile) submit the text through the same path as `POST …/bundles`, recording which
 * secrets and certificates the bundle references for the node secrets route.
 */
import type { Actor } from "../auth/principal";
import { BUNDLE_ENTRYPOINT } from "../bundles/manifest";
import { bundleSecretRefs } from "../db/schema";
import { type GeneratedConfig, generateConfig } from "../domain/config/generate";
import { type Diagnostic, validateConfig } from "../kdl/index";
import { type SubmitResult, submitBundle } from "./bundle-create";
import { loadStoredModel, toModelInput } from "./config-store";
import type { ProjectRow, Services } from "./index";

/** A generated config with the validator's verdict. */
export interface ModelBuild {
  generated: GeneratedConfig;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  /** No generator problem and no validator error. */
  ok: boolean;
}

/** Generates and validates the project's model. */
export async function buildModel(
  services: Pick<Services, "db">,
  projectId: string,
): Promise<ModelBuild> {
  const generated = await generateConfig(
    toModelInput(await loadStoredModel(services.db, projectId)),
  );
  const result = validateConfig({
    entry: BUNDLE_ENTRYPOINT,
    files: { [BUNDLE_ENTRYPOINT]: generated.text },
  });
  return {
    generated,
    errors: result.errors,
    warnings: result.warnings,
    ok: generated.problems.length === 0 && result.errors.length === 0,
  };
}

/** Outcome of {@link compileModel}. */
export type CompileResult =
  | { kind: "rejected"; build: ModelBuild }
  | { kind: "submitted"; build: ModelBuild; result: SubmitResult };

type Deps = Pick<Services, "db" | "d1" | "clock" | "audit" | "compileQueue" | "requestId">;

/**
 * Compiles the model: a model the generator or validator rejects never becomes a bundle. The
 * bundle's source is `{type: "model", ref: "sha256:<secret-versions digest>" | null}`.
 */
export async function compileModel(
  services: Deps,
  project: ProjectRow,
  actor: Actor,
  version: string | undefined,
): Promise<CompileResult> {
  const build = await buildModel(services, project.id);
  if (!build.ok) {
    return { kind: "rejected", build };
  }
  const digest = build.generated.secretVersionsDigest;
  const result = await submitBundle(services, project, actor, {
    config: build.generated.text,
    ...(version === undefined ? {} : { version }),
    source: { type: "model", ...(digest === null ? {} : { ref: `secret-versions:${digest}` }) },
  });
  if (result.kind === "accepted" && build.generated.secretRefs.length > 0) {
    // The id is a content digest and the content names every reference, so the rows of one id
    // never differ: inserting them again is a no-op.
    await services.db
      .insert(bundleSecretRefs)
      .values(
        build.generated.secretRefs.map((r) => ({
          bundleId: result.row.id,
          projectId: project.id,
          kind: r.kind,
          name: r.name,
        })),
      )
      .onConflictDoNothing();
  }
  return { kind: "submitted", build, result };
}
