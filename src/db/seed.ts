import { hashPassword } from "../auth/password";
import { SCOPES } from "../auth/scopes";
import { hashSecret } from "../auth/tokens";

/** Fixed ids make the local seed idempotent: re-running updates instead of duplicating. */
export const SEED_IDS = {
  org: "00000000-0000-4000-8000-000000000001",
  project: "00000000-0000-4000-8000-000000000002",
  user: "00000000-0000-4000-8000-000000000003",
  membership: "00000000-0000-4000-8000-000000000004",
  apiKey: "00000000-0000-4000-8000-000000000005",
  enrollmentToken: "00000000-0000-4000-8000-000000000006",
} as const;

/** Values the seed writes; secrets arrive in clear and are hashed here. */
export interface SeedInput {
  adminEmail: string;
  adminPassword: string;
  apiKey: string;
  enrollmentToken: string;
  now: number;
}

/** A SQL statement with positional parameters. */
export interface SeedStatement {
  sql: string;
  params: Array<string | number | null>;
}

/**
 * The statements that create (or refresh) org `default`, project `demo`, an admin user, an
 * admin API key and a reusable enrollment token. Upserts on fixed ids, so running it twice
 * leaves one of each, with the latest secrets.
 */
export async function seedStatements(input: SeedInput): Promise<SeedStatement[]> {
  const { now } = input;
  const passwordHash = await hashPassword(input.adminPassword);
  const keyHash = await hashSecret(input.apiKey);
  const tokenHash = await hashSecret(input.enrollmentToken);
  return [
    {
      sql: "INSERT INTO orgs (id, slug, name, created_at) VALUES (?,?,?,?) ON CONFLICT(id) DO NOTHING",
      params: [SEED_IDS.org, "default", "Default", now],
    },
    {
      sql: `INSERT INTO projects (id, org_id, slug, name, settings, created_at, updated_at) VALUES (?,?,?,?,?,?,?)
            ON CONFLICT(id) DO NOTHING`,
      params: [SEED_IDS.project, SEED_IDS.org, "demo", "Demo", "{}", now, now],
    },
    {
      sql: `INSERT INTO users (id, email, name, password_hash, recovery_code_hashes, created_at) VALUES (?,?,?,?,?,?)
            ON CONFLICT(id) DO UPDATE SET email = excluded.email, password_hash = excluded.password_hash`,
      params: [SEED_IDS.user, input.adminEmail.toLowerCase(), "Admin", passwordHash, "[]", now],
    },
    {
      sql: "INSERT INTO memberships (id, org_id, user_id, role, created_at) VALUES (?,?,?,?,?) ON CONFLICT(id) DO NOTHING",
      params: [SEED_IDS.membership, SEED_IDS.org, SEED_IDS.user, "admin", now],
    },
    {
      sql: `INSERT INTO api_keys (id, org_id, project_id, name, prefix, key_hash, scopes, created_at) VALUES (?,?,?,?,?,?,?,?)
            ON CONFLICT(id) DO UPDATE SET key_hash = excluded.key_hash, prefix = excluded.prefix, revoked_at = NULL`,
      params: [
        SEED_IDS.apiKey,
        SEED_IDS.org,
        null,
        "bootstrap admin",
        input.apiKey.slice(0, 12),
        keyHash,
        JSON.stringify(SCOPES),
        now,
      ],
    },
    {
      sql: `INSERT INTO enrollment_tokens (id, project_id, name, prefix, token_hash, max_uses, uses, created_at) VALUES (?,?,?,?,?,?,?,?)
            ON CONFLICT(id) DO UPDATE SET token_hash = excluded.token_hash, prefix = excluded.prefix, revoked_at = NULL`,
      params: [
        SEED_IDS.enrollmentToken,
        SEED_IDS.project,
        "bootstrap (reusable)",
        input.enrollmentToken.slice(0, 12),
        tokenHash,
        null,
        0,
        now,
      ],
    },
  ];
}
