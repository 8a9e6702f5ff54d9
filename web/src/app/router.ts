import { useSyncExternalStore } from "react";

/** The screens, by path: `/` (welcome), `/new` (new session), `/sessions/{id}` (a session), `/profiles[/{id}]` (profiles). */
export type Route =
  | { name: "home" }
  | { name: "new" }
  | { name: "session"; sessionId: string }
  | { name: "profiles"; profileId: string | undefined };

const NAVIGATE = "app:navigate";

function parse(pathname: string): Route {
  if (pathname === "/new") return { name: "new" };
  const profile = /^\/profiles(?:\/([^/]+))?\/?$/.exec(pathname);
  if (profile) return { name: "profiles", profileId: profile[1] ? decodeURIComponent(profile[1]) : undefined };
  const match = /^\/sessions\/([^/]+)\/?$/.exec(pathname);
  if (match?.[1]) return { name: "session", sessionId: decodeURIComponent(match[1]) };
  return { name: "home" };
}

let cachedPath = "";
let cachedRoute: Route = { name: "home" };
function snapshot(): Route {
  // The same object for the same path, as useSyncExternalStore needs.
  if (window.location.pathname !== cachedPath) {
    cachedPath = window.location.pathname;
    cachedRoute = parse(cachedPath);
  }
  return cachedRoute;
}

function subscribe(listener: () => void): () => void {
  window.addEventListener("popstate", listener);
  window.addEventListener(NAVIGATE, listener);
  return () => {
    window.removeEventListener("popstate", listener);
    window.removeEventListener(NAVIGATE, listener);
  };
}

/** The current route; the server answers every path with the app, so a reload lands on the same screen. */
export function useRoute(): Route {
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

export function navigate(path: string, replace = false): void {
  if (path === window.location.pathname) return;
  if (replace) window.history.replaceState(null, "", path);
  else window.history.pushState(null, "", path);
  window.dispatchEvent(new Event(NAVIGATE));
}

export const sessionPath = (sessionId: string) => `/sessions/${encodeURIComponent(sessionId)}`;

export const profilePath = (profileId: string) => `/profiles/${encodeURIComponent(profileId)}`;

/** A link that navigates in the app (and still opens a new tab on a modified click). */
export function onLinkClick(path: string, after?: () => void) {
  return (event: { preventDefault(): void; button: number; metaKey: boolean; ctrlKey: boolean; shiftKey: boolean; altKey: boolean }) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(path);
    after?.();
  };
}
