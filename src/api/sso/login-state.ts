/**
 * Server-side state of an OIDC sign-in between /start and /callback: the `state` and `nonce`
 * values, the PKCE verifier and where to land afterwards. Stored under SHA-256(state), bound to
 * the starting browser by a second secret in the `zcp_sso` cookie (so a callback link made by
 * someone else cannot sign the victim into the attacker's account), valid for
 * {@link SSO_STATE_TTL_MS}, and consumed by one DELETE … RETURNING: a state works at most once.
 */
import { randomBytes, timingSafeEqual, toBase64Url } from "../../auth/crypto";
import { hashSecret } from "../../auth/tokens";
import type { Services } from "../../services";

/** How long a started sign-in may take at the IdP. */
export const SSO_STATE_TTL_MS = 10 * 60 * 1000;

/** What a new sign-in attempt needs: its clear values and the row stored for it. */
export interface StartedSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Secret for the browser-binding cookie. */
  browserSecret: string;
}

/** A consumed login state. */
export interface LoginStateRow {
  provider_id: string;
  org_id: string;
  browser_hash: string;
  nonce: string;
  code_verifier: string;
  redirect_uri: string;
  return_to: string;
  expires_at: number;
}

const random = () => toBase64Url(randomBytes(32));

/** Creates and stores a sign-in attempt for `providerId`. */
export async function createLoginState(
  services: Services,
  input: { providerId: string; orgId: string; redirectUri: string; returnTo: string },
): Promise<StartedSignIn> {
  const started: StartedSignIn = {
    state: random(),
    nonce: random(),
    // RFC 7636 §4.1: 43–128 characters; 32 random bytes in base64url are 43.
    codeVerifier: random(),
    browserSecret: random(),
  };
  const now = services.clock.now();
  await services.d1
    .prepare(
      `INSERT INTO sso_login_states (id, provider_id, org_id, browser_hash, nonce, code_verifier,
         redirect_uri, return_to, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      await hashSecret(started.state),
      input.providerId,
      input.orgId,
      await hashSecret(started.browserSecret),
      started.nonce,
      started.codeVerifier,
      input.redirectUri,
      input.returnTo,
      now,
      now + SSO_STATE_TTL_MS,
    )
    .run();
  return started;
}

/** Why a callback's state was refused. */
export type StateProblem = "unknown" | "expired" | "other_org" | "other_browser";

/**
 * Consumes the state named by the callback (it is gone afterwards, whatever the outcome) and
 * checks it belongs to this org, is fresh and was started by this browser.
 */
export async function consumeLoginState(
  services: Services,
  state: string,
  orgId: string,
  browserSecret: string | undefined,
): Promise<LoginStateRow | StateProblem> {
  const row = await services.d1
    .prepare("DELETE FROM sso_login_states WHERE id = ? RETURNING *")
    .bind(await hashSecret(state))
    .first<LoginStateRow>();
  if (!row) {
    return "unknown";
  }
  if (row.expires_at <= services.clock.now()) {
    return "expired";
  }
  if (row.org_id !== orgId) {
    return "other_org";
  }
  if (!browserSecret || !timingSafeEqual(await hashSecret(browserSecret), row.browser_hash)) {
    return "other_browser";
  }
  return row;
}
