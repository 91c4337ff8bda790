import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** Local-only file remembering generated dev secrets, so re-seeding can print them again. */
export const CREDENTIALS_FILE = join(
  import.meta.dirname,
  "..",
  "..",
  ".wrangler",
  "zcp-dev-credentials.json",
);

/** The secrets of the local development control plane. */
export interface DevCredentials {
  apiKey: string;
  enrollmentToken: string;
  adminEmail: string;
  adminPassword: string;
  masterKey: string;
  auditKey: string;
}

const random = (prefix: string) => `${prefix}${randomBytes(32).toString("base64url")}`;

/**
 * Loads the dev credentials, generating what is missing. Environment variables win:
 * ZCP_BOOTSTRAP_API_KEY and ZCP_BOOTSTRAP_ENROLLMENT_TOKEN are used verbatim (api.md).
 */
export function loadDevCredentials(): DevCredentials {
  const saved: Partial<DevCredentials> = existsSync(CREDENTIALS_FILE)
    ? (JSON.parse(readFileSync(CREDENTIALS_FILE, "utf8")) as Partial<DevCredentials>)
    : {};
  const creds: DevCredentials = {
    apiKey: process.env.ZCP_BOOTSTRAP_API_KEY || saved.apiKey || random("zcp_"),
    enrollmentToken:
      process.env.ZCP_BOOTSTRAP_ENROLLMENT_TOKEN || saved.enrollmentToken || random("zet_"),
    adminEmail: process.env.ZCP_BOOTSTRAP_ADMIN_EMAIL || saved.adminEmail || "admin@example.com",
    adminPassword:
      process.env.ZCP_BOOTSTRAP_ADMIN_PASSWORD ||
      saved.adminPassword ||
      randomBytes(12).toString("base64url"),
    masterKey: saved.masterKey || randomBytes(32).toString("base64"),
    auditKey: saved.auditKey || randomBytes(32).toString("base64"),
  };
  mkdirSync(dirname(CREDENTIALS_FILE), { recursive: true });
  writeFileSync(CREDENTIALS_FILE, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  return creds;
}
