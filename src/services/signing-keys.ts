import { and, asc, eq } from "drizzle-orm";
import { decryptPrivateKey, encryptPrivateKey } from "../bundles/key-encryption";
import { decodePublicKey, generateSigningKey } from "../bundles/signing";
import { signingKeys } from "../db/schema";
import type { Db } from "./index";

export type SigningKeyRow = typeof signingKeys.$inferSelect;

/** A usable key: id, private seed and base64url public key. */
export interface ActiveSigningKey {
  kid: string;
  privateKey: Uint8Array<ArrayBuffer>;
  publicKey: string;
}

/** The encryption context binds a sealed key to its project and kid (no swapping rows). */
const sealContext = (projectId: string, kid: string) => `zcp:signing-key:${projectId}:${kid}`;

/**
 * Per-project Ed25519 signing keys (bundle signatures and node JWTs). Private keys are sealed
 * with AES-GCM under a key derived from ZCP_MASTER_KEY; public keys are published.
 */
export class SigningKeyService {
  constructor(
    private readonly db: Db,
    private readonly masterKey: string,
    private readonly now: () => number,
  ) {}

  /**
   * The project's active key, created on first need. Concurrent first calls race on the
   * one-active-key unique index; the loser re-reads the winner's key.
   */
  async active(projectId: string): Promise<ActiveSigningKey> {
    const existing = await this.activeRow(projectId);
    if (existing) {
      return this.open(existing);
    }
    await this.insertNew(projectId);
    const row = await this.activeRow(projectId);
    if (!row) {
      throw new Error(`no active signing key for project ${projectId} after creating one`);
    }
    return this.open(row);
  }

  /** Public keys of a project, active first, then retired (oldest first). */
  async list(projectId: string): Promise<SigningKeyRow[]> {
    const rows = await this.db
      .select()
      .from(signingKeys)
      .where(eq(signingKeys.projectId, projectId))
      .orderBy(asc(signingKeys.createdAt));
    return [
      ...rows.filter((r) => r.status === "active"),
      ...rows.filter((r) => r.status !== "active"),
    ];
  }

  /** A key by id within a project (retired keys still verify old bundles and tokens). */
  async byId(projectId: string, kid: string): Promise<SigningKeyRow | undefined> {
    return this.db.query.signingKeys.findFirst({
      where: and(eq(signingKeys.projectId, projectId), eq(signingKeys.id, kid)),
    });
  }

  /** Retires the active key and creates a new one in one batch; returns the new key row. */
  async rotate(projectId: string): Promise<{ retired: string | null; active: SigningKeyRow }> {
    const current = await this.activeRow(projectId);
    const fresh = await this.sealNew(projectId);
    const now = this.now();
    if (current) {
      await this.db.batch([
        this.db
          .update(signingKeys)
          .set({ status: "retired", retiredAt: now })
          .where(and(eq(signingKeys.id, current.id), eq(signingKeys.status, "active"))),
        this.db.insert(signingKeys).values(fresh),
      ]);
    } else {
      await this.db.insert(signingKeys).values(fresh);
    }
    return { retired: current?.id ?? null, active: fresh };
  }

  /** Raw public key bytes of a published key. */
  static publicKeyBytes(row: SigningKeyRow): Uint8Array<ArrayBuffer> {
    return decodePublicKey(row.publicKey);
  }

  private activeRow(projectId: string): Promise<SigningKeyRow | undefined> {
    return this.db.query.signingKeys.findFirst({
      where: and(eq(signingKeys.projectId, projectId), eq(signingKeys.status, "active")),
    });
  }

  private async sealNew(projectId: string): Promise<SigningKeyRow> {
    const key = await generateSigningKey();
    return {
      id: key.kid,
      projectId,
      alg: "Ed25519",
      publicKey: key.publicKey,
      privateKeyEnc: await encryptPrivateKey(
        key.privateKey,
        this.masterKey,
        sealContext(projectId, key.kid),
      ),
      status: "active",
      createdAt: this.now(),
      retiredAt: null,
    };
  }

  private async insertNew(projectId: string): Promise<void> {
    await this.db
      .insert(signingKeys)
      .values(await this.sealNew(projectId))
      .onConflictDoNothing();
  }

  private async open(row: SigningKeyRow): Promise<ActiveSigningKey> {
    return {
      kid: row.id,
      privateKey: await decryptPrivateKey(
        row.privateKeyEnc,
        this.masterKey,
        sealContext(row.projectId, row.id),
      ),
      publicKey: row.publicKey,
    };
  }
}
