/**
 * A user's second factor: the TOTP secret sealed at rest with the master key (context
 * `zcp:totp:<user id>`, so a sealed secret copied onto another user does not open) and the
 * hashed one-time recovery codes.
 */
import { and, eq, sql } from "drizzle-orm";
import { hashRecoveryCode, looksLikeRecoveryCode } from "../auth/recovery-codes";
import { verifyTotp } from "../auth/totp";
import { decryptPrivateKey, encryptPrivateKey } from "../bundles/key-encryption";
import { users } from "../db/schema";
import type { Services } from ".";
import type { UserRow } from "./sessions";

/** Issuer shown in authenticator apps. */
export const TOTP_ISSUER = "Zentinel Control Plane";

const sealContext = (userId: string) => `zcp:totp:${userId}`;

/** Seals a TOTP secret for storage in users.totp_secret_enc. */
export function sealTotpSecret(
  services: Services,
  userId: string,
  secret: Uint8Array,
): Promise<string> {
  return encryptPrivateKey(secret, services.config.ZCP_MASTER_KEY, sealContext(userId));
}

/** Opens the user's sealed TOTP secret (enrolled or pending); null when there is none. */
export async function openTotpSecret(
  services: Services,
  user: UserRow,
): Promise<Uint8Array<ArrayBuffer> | null> {
  if (user.totpSecretEnc === null) {
    return null;
  }
  return decryptPrivateKey(
    user.totpSecretEnc,
    services.config.ZCP_MASTER_KEY,
    sealContext(user.id),
  );
}

/**
 * Whether `code` is the user's current TOTP code (±1 step) and has not been used before. The
 * matching step is claimed with a compare-and-set on `totp_last_step`, so a code observed on
 * the wire (or entered twice, concurrently) works at most once (RFC 6238 §5.2).
 */
export async function checkTotpCode(
  services: Services,
  user: UserRow,
  code: string,
): Promise<boolean> {
  const secret = await openTotpSecret(services, user);
  if (secret === null) {
    return false;
  }
  const step = await verifyTotp(secret, code.trim(), services.clock.now());
  if (step === null) {
    return false;
  }
  const claimed = await services.db
    .update(users)
    .set({ totpLastStep: step })
    .where(
      and(
        eq(users.id, user.id),
        sql`(${users.totpLastStep} IS NULL OR ${users.totpLastStep} < ${step})`,
      ),
    )
    .returning({ id: users.id });
  return claimed.length === 1;
}

/**
 * Uses up one recovery code. The stored list is replaced only if it is still the list that was
 * read (compare-and-swap on the JSON value), so two concurrent uses of one code cannot both win.
 */
export async function consumeRecoveryCode(
  services: Services,
  user: UserRow,
  code: string,
): Promise<boolean> {
  const hash = await hashRecoveryCode(code);
  if (!user.recoveryCodeHashes.includes(hash)) {
    return false;
  }
  const remaining = user.recoveryCodeHashes.filter((h) => h !== hash);
  const updated = await services.db
    .update(users)
    .set({ recoveryCodeHashes: remaining })
    .where(
      and(
        eq(users.id, user.id),
        // Raw comparison of the stored text: the bound value must not be JSON-encoded twice.
        sql`${users.recoveryCodeHashes} = ${JSON.stringify(user.recoveryCodeHashes)}`,
      ),
    )
    .returning({ id: users.id });
  return updated.length === 1;
}

/**
 * Checks a second factor at sign-in: a 6-digit TOTP code, or a recovery code (used up).
 * Returns which one matched, or null.
 */
export async function checkSecondFactor(
  services: Services,
  user: UserRow,
  code: string,
): Promise<"totp" | "recovery" | null> {
  if (looksLikeRecoveryCode(code)) {
    return (await consumeRecoveryCode(services, user, code)) ? "recovery" : null;
  }
  return (await checkTotpCode(services, user, code)) ? "totp" : null;
}
