/**
 * D1 access for the config model: loading a project's whole model, the names that exist, and
 * referential-integrity checks. D1 has no interactive transactions, so "check, then write" can
 * race with a concurrent delete; the generator re-checks every reference, so such a race yields
 * a preview error and never an invalid bundle.
 */
import { and, desc, eq } from "drizzle-orm";
import { bundles, configCertificates, configEntities, configSecrets } from "../db/schema";
import type { ConfigEntityKind } from "../db/schema/config";
import {
  kindLabel,
  type ModelKind,
  type Reference,
  referencesOf,
  satisfies,
  type TaggedSpec,
} from "../domain/config/references";
import {
  authPolicySpec,
  type ConfigModelInput,
  defaultSystem,
  listenerSpec,
  middlewareSpec,
  pluginSpec,
  serviceSpec,
  systemSpec,
  upstreamGroupSpec,
  wafPolicySpec,
} from "../domain/config/specs";
import type { Db } from "./index";

/** A config_entities row. */
export type ConfigEntityRow = typeof configEntities.$inferSelect;

/** One problem for the error envelope. */
export interface Problem {
  path: string;
  message: string;
  [key: string]: unknown;
}

/** Every stored entity of a project as tagged specs (parsed with defaults), plus cert/secret names. */
export interface StoredModel {
  entities: Array<{ name: string } & TaggedSpec>;
  certificates: Array<{ id: string; name: string; sans: string[]; version: number }>;
  secrets: Array<{ id: string; name: string; version: number }>;
}

/** Parses a stored spec with its kind's schema (stored specs were validated on write). */
export function parseSpec(kind: ConfigEntityKind, spec: unknown): TaggedSpec {
  switch (kind) {
    case "upstream_group":
      return { kind, spec: upstreamGroupSpec.parse(spec) };
    case "service":
      return { kind, spec: serviceSpec.parse(spec) };
    case "listener":
      return { kind, spec: listenerSpec.parse(spec) };
    case "middleware":
      return { kind, spec: middlewareSpec.parse(spec) };
    case "plugin":
      return { kind, spec: pluginSpec.parse(spec) };
    case "auth_policy":
      return { kind, spec: authPolicySpec.parse(spec) };
    case "waf_policy":
      return { kind, spec: wafPolicySpec.parse(spec) };
    case "system":
      return { kind, spec: systemSpec.parse(spec) };
  }
}

/** Loads everything of a project the generator and the integrity checks need (3 reads). */
export async function loadStoredModel(db: Db, projectId: string): Promise<StoredModel> {
  const [rows, certs, secrets] = await Promise.all([
    db.select().from(configEntities).where(eq(configEntities.projectId, projectId)),
    db
      .select({
        id: configCertificates.id,
        name: configCertificates.name,
        sans: configCertificates.sans,
        version: configCertificates.version,
      })
      .from(configCertificates)
      .where(eq(configCertificates.projectId, projectId)),
    db
      .select({ id: configSecrets.id, name: configSecrets.name, version: configSecrets.version })
      .from(configSecrets)
      .where(eq(configSecrets.projectId, projectId)),
  ]);
  return {
    entities: rows.map((r) => ({ name: r.name, ...parseSpec(r.kind, r.spec) })),
    certificates: certs,
    secrets,
  };
}

/** The generator's input for a stored model (entities in stored order; the generator sorts). */
export function toModelInput(stored: StoredModel): ConfigModelInput {
  const input: ConfigModelInput = {
    system: defaultSystem(),
    listeners: [],
    services: [],
    upstreamGroups: [],
    middlewares: [],
    plugins: [],
    authPolicies: [],
    wafPolicies: [],
    certificates: stored.certificates.map((c) => ({ ...c })),
    secrets: stored.secrets.map((s) => ({ ...s })),
  };
  for (const e of stored.entities) {
    switch (e.kind) {
      case "system":
        input.system = e.spec;
        break;
      case "listener":
        input.listeners.push({ name: e.name, spec: e.spec });
        break;
      case "service":
        input.services.push({ name: e.name, spec: e.spec });
        break;
      case "upstream_group":
        input.upstreamGroups.push({ name: e.name, spec: e.spec });
        break;
      case "middleware":
        input.middlewares.push({ name: e.name, spec: e.spec });
        break;
      case "plugin":
        input.plugins.push({ name: e.name, spec: e.spec });
        break;
      case "auth_policy":
        input.authPolicies.push({ name: e.name, spec: e.spec });
        break;
      case "waf_policy":
        input.wafPolicies.push({ name: e.name, spec: e.spec });
        break;
    }
  }
  return input;
}

/** Every (kind, name) that exists in a stored model. */
export function namesOf(stored: StoredModel): Array<{ kind: ModelKind; name: string }> {
  return [
    ...stored.entities.map((e) => ({ kind: e.kind as ModelKind, name: e.name })),
    ...stored.certificates.map((c) => ({ kind: "certificate" as const, name: c.name })),
    ...stored.secrets.map((s) => ({ kind: "secret" as const, name: s.name })),
  ];
}

/** References of `refs` that no entity satisfies, as problems (all of them). */
export function danglingProblems(
  refs: readonly Reference[],
  names: ReadonlyArray<{ kind: ModelKind; name: string }>,
): Problem[] {
  return refs
    .filter((ref) => !names.some((n) => n.name === ref.name && satisfies(ref.target, n.kind)))
    .map((ref) => ({
      path: ref.path,
      message: `${kindLabel(ref.target)} '${ref.name}' does not exist`,
    }));
}

/** Entities that reference (kind, name): "service 'api' (upstream_group)". */
export function usersOf(
  stored: StoredModel,
  kind: ModelKind,
  name: string,
): Array<{ kind: ModelKind; name: string; path: string }> {
  return stored.entities.flatMap((e) =>
    referencesOf(e)
      .filter((ref) => ref.name === name && satisfies(ref.target, kind))
      .map((ref) => ({ kind: e.kind as ModelKind, name: e.name, path: ref.path })),
  );
}

/** 409 details naming every user of an entity about to be deleted. */
export function userProblems(users: ReturnType<typeof usersOf>): Problem[] {
  return users.map((u) => ({
    path: `${u.kind}/${u.name}`,
    message: `${kindLabel(u.kind)} '${u.name}' uses it (${u.path})`,
  }));
}

/**
 * Names that share a KDL id space: plugins and both policy kinds are all `agent "<name>"`, so a
 * name may be used by only one of them.
 */
export const AGENT_KINDS: ReadonlySet<ModelKind> = new Set(["plugin", "auth_policy", "waf_policy"]);

/** The entity row of (kind, name) in a project, or undefined. */
export async function findEntity(
  db: Db,
  projectId: string,
  kind: ConfigEntityKind,
  name: string,
): Promise<ConfigEntityRow | undefined> {
  const [row] = await db
    .select()
    .from(configEntities)
    .where(
      and(
        eq(configEntities.projectId, projectId),
        eq(configEntities.kind, kind),
        eq(configEntities.name, name),
      ),
    )
    .limit(1);
  return row;
}

/** The newest compiled bundle of a project (the preview's diff baseline), or undefined. */
export async function latestCompiledBundle(db: Db, projectId: string) {
  return db.query.bundles.findFirst({
    where: and(eq(bundles.projectId, projectId), eq(bundles.status, "compiled")),
    orderBy: desc(bundles.sequence),
  });
}
