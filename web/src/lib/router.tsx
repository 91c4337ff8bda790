import type { AnchorHTMLAttributes, ComponentChildren } from "preact";
import { createStore, useStore } from "./store";

/** The current location: path and query. */
export interface Location {
  path: string;
  query: URLSearchParams;
}

const read = (): Location => ({
  path: window.location.pathname,
  query: new URLSearchParams(window.location.search),
});

const location = createStore<Location>(read());
/** In-app navigations so far (0 on the page the browser loaded). */
let navigations = 0;
window.addEventListener("popstate", () => {
  navigations++;
  location.set(read());
});

/**
 * Whether the current page was reached by in-app navigation. Focus moves to a new page's
 * heading only then: on a fresh load the browser's own order (skip link first) applies.
 */
export function navigatedInApp(): boolean {
  return navigations > 0;
}

/** Goes to `to` (path + optional query) without reloading. */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const current = window.location.pathname + window.location.search;
  if (to === current) {
    return;
  }
  if (opts.replace) {
    history.replaceState(null, "", to);
  } else {
    history.pushState(null, "", to);
    navigations++;
  }
  location.set(read());
}

/** Replaces the query string of the current path (filters that survive reloads and links). */
export function setQuery(params: Record<string, string | undefined>): void {
  const sp = new URLSearchParams(window.location.search);
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === "") {
      sp.delete(k);
    } else {
      sp.set(k, v);
    }
  }
  const s = sp.toString();
  navigate(`${window.location.pathname}${s ? `?${s}` : ""}`, { replace: true });
}

/** The current location; re-renders on navigation. */
export function useLocation(): Location {
  return useStore(location);
}

/**
 * Matches `pattern` ("/p/:project/nodes/:id") against `path`; returns the decoded params or
 * null. Segments must match one to one.
 */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  if (want.length !== got.length) {
    return null;
  }
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? "";
    const g = got[i] ?? "";
    if (w.startsWith(":")) {
      params[w.slice(1)] = decodeURIComponent(g);
    } else if (w !== g) {
      return null;
    }
  }
  return params;
}

type AnchorProps = AnchorHTMLAttributes<HTMLAnchorElement> & {
  href: string;
  children?: ComponentChildren;
};

/** An anchor that navigates in-app on plain left clicks (new tabs etc. keep working). */
export function Link({ href, ...rest }: AnchorProps) {
  const onClick = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || e.defaultPrevented) {
      return;
    }
    e.preventDefault();
    navigate(href);
  };
  return <a {...rest} href={href} onClick={onClick} />;
}
