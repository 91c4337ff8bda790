import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiRequestError, api, apiKeyStore } from "./api";
import "./style.css";

interface Project {
  id: string;
  slug: string;
  name: string;
  created_at: string;
}
interface Health {
  status: string;
  version: string;
  time: string;
}

function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    apiKeyStore.set(key.trim());
    try {
      await api("/api/v1/projects?limit=1");
      onSignedIn();
    } catch (err) {
      apiKeyStore.clear();
      setError(err instanceof ApiRequestError ? err.message : String(err));
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="signin-title">
      <h2 id="signin-title">Sign in</h2>
      <label for="api-key">API key</label>
      <input
        id="api-key"
        type="password"
        autoComplete="off"
        value={key}
        onInput={(e) => setKey((e.target as HTMLInputElement).value)}
        required
      />
      <button type="submit">Sign in</button>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </form>
  );
}

function Projects() {
  const [items, setItems] = useState<Project[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ items: Project[] }>("/api/v1/projects")
      .then((r) => setItems(r.items))
      .catch((err: unknown) => setError(String(err)));
  }, []);
  if (error) {
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  }
  if (!items) {
    return <p>Loading projects…</p>;
  }
  return (
    <section class="card" aria-labelledby="projects-title">
      <h2 id="projects-title">Projects</h2>
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Slug</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {items.map((p) => (
            <tr key={p.id}>
              <td>{p.name}</td>
              <td>
                <code>{p.slug}</code>
              </td>
              <td>{new Date(p.created_at).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function HealthBadge() {
  const [health, setHealth] = useState<Health | null>(null);
  useEffect(() => {
    api<Health>("/healthz")
      .then(setHealth)
      .catch(() => setHealth(null));
  }, []);
  return (
    <span class={`badge ${health ? "ok" : "down"}`} data-testid="api-health">
      API {health ? `${health.status} · v${health.version}` : "unreachable"}
    </span>
  );
}

function App() {
  const [signedIn, setSignedIn] = useState(apiKeyStore.get() !== null);
  return (
    <>
      <header>
        <h1>Zentinel Control Plane</h1>
        <HealthBadge />
        {signedIn && (
          <button
            type="button"
            onClick={() => {
              apiKeyStore.clear();
              setSignedIn(false);
            }}
          >
            Sign out
          </button>
        )}
      </header>
      <main>{signedIn ? <Projects /> : <SignIn onSignedIn={() => setSignedIn(true)} />}</main>
    </>
  );
}

const root = document.getElementById("app");
if (root) {
  render(<App />, root);
}
