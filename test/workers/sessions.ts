import { env } from "cloudflare:test";
import { expect } from "vitest";
import { base32Decode, totp } from "../../src/auth/totp";
import type { Role } from "../../src/db/schema";
import { type CallOptions, type CallResult, call, createUser } from "./harness";

/** A dashboard session as the browser holds it: the cookie header and the CSRF token. */
export interface Session {
  /** `zcp_session=<token>`, ready for a Cookie header. */
  cookie: string;
  csrf: string;
}

let ipCounter = 0;

/**
 * A client IP no other test uses, so login rate limits (per IP, in RateLimiterDO, which outlives
 * single tests) never leak between tests.
 */
export function uniqueIp(): string {
  ipCounter++;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

/** Parses `zcp_session=…` out of a response's Set-Cookie (what a browser would store). */
export function sessionCookie(res: CallResult): string {
  const header = res.headers.get("set-cookie") ?? "";
  const match = /(?:^|,\s*)(zcp_session=[^;]*)/.exec(header);
  if (!match?.[1]) {
    throw new Error(`no zcp_session cookie in ${header || "(no Set-Cookie)"}`);
  }
  return match[1];
}

/** The JSON answer of a sign-in step (login or TOTP). */
export interface SessionBody {
  totp_required: boolean;
  csrf_token: string;
  expires_at: string;
  user?: { id: string; email: string; totp_enabled: boolean };
}

/** POST /api/v1/auth/login from a fresh IP (unless given). */
export function loginCall(
  email: string,
  password: string,
  opts: { ip?: string; cookie?: string } = {},
): Promise<CallResult<SessionBody>> {
  const headers: Record<string, string> = { "cf-connecting-ip": opts.ip ?? uniqueIp() };
  if (opts.cookie) {
    headers.cookie = opts.cookie;
  }
  return call<SessionBody>("POST", "/api/v1/auth/login", { body: { email, password }, headers });
}

/** Logs in (no TOTP) and returns the session; fails the test otherwise. */
export async function login(email: string, password: string): Promise<Session> {
  const res = await loginCall(email, password);
  expect(res.status, res.text).toBe(200);
  expect(res.body.totp_required).toBe(false);
  return { cookie: sessionCookie(res), csrf: res.body.csrf_token };
}

/** Creates a user with `role` in `orgId` and signs them in. */
export async function signedInUser(
  orgId: string,
  role: Role,
): Promise<{ userId: string; email: string; password: string; session: Session }> {
  const user = await createUser(orgId, role);
  return { ...user, session: await login(user.email, user.password) };
}

/** Call options sending the session cookie, plus the CSRF token unless `csrf: false`. */
export function asUser(
  session: Session,
  opts: CallOptions & { csrf?: boolean | string } = {},
): CallOptions {
  const headers: Record<string, string> = { ...opts.headers, cookie: session.cookie };
  if (opts.csrf !== false) {
    headers["x-csrf-token"] = typeof opts.csrf === "string" ? opts.csrf : session.csrf;
  }
  return { ...opts, headers };
}

const TOTP_STEP_MS = 30_000;

/** The current TOTP code for a base32 secret (what the user's authenticator shows). */
export function currentCode(secretBase32: string, atMs: number = Date.now()): Promise<string> {
  return totp(base32Decode(secretBase32), atMs);
}

/** Enrols and confirms TOTP for a signed-in user; returns the secret and recovery codes. */
export async function enableTotp(
  session: Session,
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const enrolled = await call("POST", "/api/v1/auth/totp/enroll", asUser(session));
  expect(enrolled.status, enrolled.text).toBe(200);
  const secret = enrolled.body.secret as string;
  // Confirm with the previous step's code (inside the ±1 window): each step's code works only
  // once, so the current code stays free for the sign-in the tests do next.
  const confirmed = await call(
    "POST",
    "/api/v1/auth/totp/confirm",
    asUser(session, { body: { code: await currentCode(secret, Date.now() - TOTP_STEP_MS) } }),
  );
  expect(confirmed.status, confirmed.text).toBe(200);
  return { secret, recoveryCodes: confirmed.body.recovery_codes as string[] };
}

/** Reads one user row straight from D1. */
export function userRow(userId: string) {
  return env.DB.prepare("SELECT * FROM users WHERE id = ?").bind(userId).first<{
    totp_secret_enc: string | null;
    totp_enabled_at: number | null;
    recovery_code_hashes: string;
    last_login_at: number | null;
    disabled_at: number | null;
  }>();
}
