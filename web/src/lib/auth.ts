/**
 * Who is signed in, and how. Cookie sessions come from email/password (+ TOTP) sign-in; the
 * session cookie is HttpOnly, so the dashboard only keeps the CSRF token (in memory, from GET
 * /auth/me). API-key sign-in keeps the key in this tab's sessionStorage.
 */
import { ApiRequestError, api, credentials, setUnauthorizedHandler } from "./api";
import { createStore } from "./store";
import type { Me, Page, Project, SessionStarted } from "./types";

/** The sign-in state. */
export type AuthState =
  | { status: "loading" }
  | { status: "signed_out"; reason?: string }
  | { status: "session"; me: Me }
  | { status: "api_key"; prefix: string };

/** The current sign-in state. */
export const auth = createStore<AuthState>({ status: "loading" });

const KEY_PREFIX_CHARS = 12;

setUnauthorizedHandler(() => {
  const state = auth.get();
  if (state.status === "session" || state.status === "api_key") {
    credentials.setApiKey(null);
    credentials.csrf = null;
    auth.set({
      status: "signed_out",
      reason: "Your sign-in expired or was revoked. Sign in again.",
    });
  }
});

async function loadSession(): Promise<void> {
  const me = await api<Me>("/api/v1/auth/me", { quiet401: true });
  credentials.csrf = me.csrf_token;
  auth.set({ status: "session", me });
}

/** Restores the sign-in on page load: the tab's API key, else the session cookie. */
export async function restoreAuth(): Promise<void> {
  if (credentials.apiKey) {
    try {
      await api<Page<Project>>("/api/v1/projects?limit=1", { quiet401: true });
      auth.set({ status: "api_key", prefix: credentials.apiKey.slice(0, KEY_PREFIX_CHARS) });
      return;
    } catch {
      credentials.setApiKey(null);
    }
  }
  try {
    await loadSession();
  } catch {
    auth.set({ status: "signed_out" });
  }
}

/** Email/password sign-in; resolves "totp" when the account needs its second factor. */
export async function signInWithPassword(
  email: string,
  password: string,
): Promise<"done" | "totp"> {
  credentials.setApiKey(null);
  const started = await api<SessionStarted>("/api/v1/auth/login", {
    method: "POST",
    body: { email, password },
    quiet401: true,
  });
  // The pending session's token authorises the TOTP step (X-CSRF-Token).
  credentials.csrf = started.csrf_token;
  if (started.totp_required) {
    return "totp";
  }
  await loadSession();
  return "done";
}

/** Finishes a TOTP sign-in with a 6-digit code or a recovery code. */
export async function submitTotp(code: string): Promise<void> {
  await api<SessionStarted>("/api/v1/auth/totp", {
    method: "POST",
    body: { code },
    quiet401: true,
  });
  await loadSession();
}

/** Signs in with an API key (kept for this tab only); throws when the key does not work. */
export async function signInWithKey(key: string): Promise<void> {
  credentials.setApiKey(key);
  try {
    await api<Page<Project>>("/api/v1/projects?limit=1", { quiet401: true });
  } catch (err) {
    credentials.setApiKey(null);
    throw err;
  }
  auth.set({ status: "api_key", prefix: key.slice(0, KEY_PREFIX_CHARS) });
}

/** Signs out: ends the server session, or forgets the key. */
export async function signOut(): Promise<void> {
  if (auth.get().status === "session") {
    await api("/api/v1/auth/logout", { method: "POST", quiet401: true }).catch((err: unknown) => {
      if (!(err instanceof ApiRequestError)) {
        throw err;
      }
    });
  }
  credentials.setApiKey(null);
  credentials.csrf = null;
  auth.set({ status: "signed_out" });
}
