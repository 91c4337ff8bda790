import { useState } from "preact/hooks";
import { ErrorBox, Field, useAction } from "../components/ui";
import { signInWithKey, signInWithPassword, submitTotp } from "../lib/auth";
import { navigate } from "../lib/router";
import { SsoSignIn } from "./sso-login";

type Mode = "password" | "totp" | "key" | "sso";

const value = (e: Event) => (e.currentTarget as HTMLInputElement).value;

/**
 * Sign-in: email and password (with the TOTP step when the account has it), single sign-on
 * through the org's identity provider, or an API key.
 */
export function LoginPage({ reason }: { reason?: string | undefined }) {
  const [mode, setMode] = useState<Mode>("password");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [key, setKey] = useState("");
  const { busy, error, run, setError } = useAction();
  const landed = () => {
    if (window.location.pathname === "/login") {
      navigate("/", { replace: true });
    }
  };

  const onPassword = async (e: Event) => {
    e.preventDefault();
    const next = await run(() => signInWithPassword(email.trim(), password));
    if (next === "totp") {
      setMode("totp");
    } else if (next === "done") {
      landed();
    }
  };
  const onTotp = async (e: Event) => {
    e.preventDefault();
    await run(() => submitTotp(code.trim()));
    landed();
  };
  const onKey = async (e: Event) => {
    e.preventDefault();
    await run(() => signInWithKey(key.trim()));
    landed();
  };
  const switchTo = (m: Mode) => {
    setError(null);
    setMode(m);
  };

  return (
    <main id="main" class="login">
      <div class="login-card">
        <div class="brand-big" aria-hidden="true">
          ◆
        </div>
        <h1 tabIndex={-1} id="page-title">
          Zentinel Control Plane
        </h1>
        {reason && (
          <p class="alert alert-warn" role="status">
            {reason}
          </p>
        )}
        {mode === "password" && (
          <form onSubmit={onPassword} aria-label="Sign in with email and password">
            <Field id="email" label="Email">
              <input
                id="email"
                type="email"
                autoComplete="username"
                required
                value={email}
                onInput={(e) => setEmail(value(e))}
              />
            </Field>
            <Field id="password" label="Password">
              <input
                id="password"
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onInput={(e) => setPassword(value(e))}
              />
            </Field>
            <ErrorBox error={error} title="Sign-in failed" />
            <button type="submit" class="btn btn-primary wide" disabled={busy}>
              {busy ? "Signing in…" : "Sign in"}
            </button>
            <button type="button" class="btn wide" onClick={() => switchTo("sso")}>
              Sign in with SSO
            </button>
            <button type="button" class="btn btn-link" onClick={() => switchTo("key")}>
              Use an API key instead
            </button>
          </form>
        )}
        {mode === "sso" && <SsoSignIn onCancel={() => switchTo("password")} />}
        {mode === "totp" && (
          <form onSubmit={onTotp} aria-label="Two-factor code">
            <p>Enter the 6-digit code from your authenticator app, or a recovery code.</p>
            <Field id="totp" label="Code">
              <input
                id="totp"
                inputMode="numeric"
                autoComplete="one-time-code"
                required
                minLength={6}
                maxLength={32}
                value={code}
                onInput={(e) => setCode(value(e))}
                // biome-ignore lint/a11y/noAutofocus: the code field is the only task on this step.
                autoFocus
              />
            </Field>
            <ErrorBox error={error} title="Verification failed" />
            <button type="submit" class="btn btn-primary wide" disabled={busy}>
              {busy ? "Verifying…" : "Verify"}
            </button>
            <button type="button" class="btn btn-link" onClick={() => switchTo("password")}>
              Start over
            </button>
          </form>
        )}
        {mode === "key" && (
          <form onSubmit={onKey} aria-label="Sign in with an API key">
            <Field
              id="api-key"
              label="API key"
              hint="Kept in this browser tab only and sent as a bearer token; never put in a URL."
            >
              <input
                id="api-key"
                type="password"
                autoComplete="off"
                required
                value={key}
                onInput={(e) => setKey(value(e))}
              />
            </Field>
            <ErrorBox error={error} title="Sign-in failed" />
            <button type="submit" class="btn btn-primary wide" disabled={busy}>
              {busy ? "Checking…" : "Sign in with key"}
            </button>
            <button type="button" class="btn btn-link" onClick={() => switchTo("password")}>
              Use email and password instead
            </button>
          </form>
        )}
      </div>
    </main>
  );
}
