import { useState } from "preact/hooks";
import { ErrorBox, Field, useAction } from "../components/ui";
import { api, qs } from "../lib/api";

/** GET /api/v1/auth/sso/discover answer. */
interface SsoOrgs {
  orgs: Array<{
    slug: string;
    name: string;
    providers: Array<{ id: string; name: string; kind: string; login_url: string }>;
  }>;
}

const value = (e: Event) => (e.currentTarget as HTMLInputElement).value;

/** Where to land after the IdP: back to the page that asked for sign-in. */
function returnTo(): string {
  const here = `${window.location.pathname}${window.location.search}`;
  return here === "/login" ? "/" : here;
}

/**
 * "Sign in with SSO": finds the org by slug or by the email's domain, then hands the browser to
 * the identity provider (a full navigation; the API sets the session cookie on the way back).
 */
export function SsoSignIn({ onCancel }: { onCancel: () => void }) {
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<SsoOrgs["orgs"] | null>(null);
  const { busy, error, run } = useAction();
  const go = (loginUrl: string) => {
    window.location.assign(`${loginUrl}&${qs({ return_to: returnTo() }).slice(1)}`);
  };
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    const res = await run(() =>
      api<SsoOrgs>(`/api/v1/auth/sso/discover${qs({ q: query.trim() })}`, { quiet401: true }),
    );
    if (!res) {
      return;
    }
    const providers = res.orgs.flatMap((o) => o.providers);
    const [only] = providers;
    if (providers.length === 1 && only) {
      go(only.login_url);
    } else {
      setFound(res.orgs);
    }
  };
  return (
    <form onSubmit={onSubmit} aria-label="Sign in with SSO">
      <Field
        id="sso-query"
        label="Organization or work email"
        hint="Your org's slug (for example acme) or your email address."
      >
        <input
          id="sso-query"
          required
          autoComplete="username"
          value={query}
          onInput={(e) => setQuery(value(e))}
          // biome-ignore lint/a11y/noAutofocus: the only field of this step.
          autoFocus
        />
      </Field>
      <ErrorBox error={error} title="No single sign-on found" />
      {found && (
        <ul class="sso-choices" aria-label="Identity providers">
          {found.flatMap((o) =>
            o.providers.map((p) => (
              <li key={p.id}>
                <button type="button" class="btn wide" onClick={() => go(p.login_url)}>
                  {o.name}: {p.name}
                </button>
              </li>
            )),
          )}
        </ul>
      )}
      <button type="submit" class="btn btn-primary wide" disabled={busy}>
        {busy ? "Looking up…" : "Continue with SSO"}
      </button>
      <button type="button" class="btn btn-link" onClick={onCancel}>
        Use email and password instead
      </button>
    </form>
  );
}
