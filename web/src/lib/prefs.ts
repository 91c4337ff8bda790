/** The project a signed-in operator used last (localStorage; not a secret). */
const LAST_PROJECT_KEY = "zcp.lastProject";

/** Remembers the project the operator is in, for the next visit. */
export function rememberProject(slug: string): void {
  localStorage.setItem(LAST_PROJECT_KEY, slug);
}

/** The project used last, if any. */
export function lastProject(): string | null {
  return localStorage.getItem(LAST_PROJECT_KEY);
}

/** Forgets the last project (it no longer exists or is not visible). */
export function forgetProject(): void {
  localStorage.removeItem(LAST_PROJECT_KEY);
}
