import { z } from "@hono/zod-openapi";
import type { configCertificates } from "../../../db/schema";
import { inspectCertificate } from "../../../domain/config/certificate";
import { badRequest } from "../../errors";
import { iso, isoTime } from "../../schemas";
import { nameField } from "../schema";

/** A config_certificates row. */
export type CertificateRow = typeof configCertificates.$inferSelect;

const pem = z.string().min(1).max(65_536);

/** Certificate material in a create or replace body. */
export const certificateMaterial = z.object({
  cert_pem: pem.openapi({ description: "The leaf certificate (one PEM block)" }),
  key_pem: pem.openapi({
    description: "Its private key, unencrypted PKCS#8 PEM. Sealed at rest, never returned.",
  }),
  chain_pem: pem.nullable().optional().openapi({ description: "Intermediate certificates" }),
});

/** POST body. */
export const createCertificateBody = certificateMaterial
  .extend({ name: nameField.openapi({ example: "www" }) })
  .openapi("CertificateCreate");

/** A certificate as the API shows it: public facts only, never the key. */
export const certificateSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    subject: z.string().openapi({ example: "CN=www.example.com" }),
    issuer: z.string(),
    sans: z.array(z.string()).openapi({ example: ["www.example.com", "example.com"] }),
    serial: z.string(),
    fingerprint_sha256: z.string(),
    key_algorithm: z.string().openapi({ example: "ECDSA-P-256" }),
    not_before: isoTime,
    not_after: isoTime,
    version: z.number().int(),
    cert_pem: z.string(),
    chain_pem: z.string().nullable(),
    created_by: z.string().nullable(),
    created_at: isoTime,
    updated_at: isoTime,
  })
  .openapi("Certificate");

/** API shape of a row. */
export function toCertificate(row: CertificateRow): z.infer<typeof certificateSchema> {
  return {
    id: row.id,
    name: row.name,
    subject: row.subject,
    issuer: row.issuer,
    sans: row.sans,
    serial: row.serial,
    fingerprint_sha256: row.fingerprintSha256,
    key_algorithm: row.keyAlgorithm,
    not_before: iso(row.notBefore),
    not_after: iso(row.notAfter),
    version: row.version,
    cert_pem: row.certPem,
    chain_pem: row.chainPem,
    created_by: row.createdBy,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

/** The audit view: public facts (the key and the PEM bodies stay out of the log). */
export function auditView(row: CertificateRow) {
  return {
    name: row.name,
    version: row.version,
    subject: row.subject,
    sans: row.sans,
    fingerprint_sha256: row.fingerprintSha256,
    not_after: iso(row.notAfter),
  };
}

/** Inspects submitted material at `now`; 400 listing every problem when it is unusable. */
export async function checkedFacts(input: z.infer<typeof certificateMaterial>, now: number) {
  const inspected = await inspectCertificate(
    { certPem: input.cert_pem, keyPem: input.key_pem, chainPem: input.chain_pem ?? null },
    now,
  );
  if (!inspected.ok) {
    throw badRequest(
      `The certificate is not usable: ${inspected.problems.length} problem(s)`,
      inspected.problems.map((p) => ({ path: p.path, message: p.message })),
    );
  }
  return inspected.facts;
}
