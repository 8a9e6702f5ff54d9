// Where the signed-in key lives between visits: localStorage, under one name. No cookie: the server takes the key as a
// bearer token only, so nothing is sent that a page on another site could make the browser send.

const STORAGE_NAME = "agent-runtime.apiKey";

export function readStoredKey(): string | undefined {
  try {
    return window.localStorage.getItem(STORAGE_NAME) ?? undefined;
  } catch {
    // Storage can be off (a privacy setting); the key then lasts as long as the page.
    return undefined;
  }
}

export function storeKey(key: string): void {
  try {
    window.localStorage.setItem(STORAGE_NAME, key);
  } catch {
    // As above: signed in for this page only.
  }
}

export function forgetKey(): void {
  try {
    window.localStorage.removeItem(STORAGE_NAME);
  } catch {
    // Nothing was stored.
  }
}

/**
 * The key of a sign-in link (`/#key=<key>`, which the server logs on its first start), taken out of the address bar
 * so it does not stay in the history or get copied along with the URL. A fragment never reaches the server.
 */
export function takeKeyFromFragment(): string | undefined {
  const fragment = window.location.hash.replace(/^#/, "");
  if (!fragment) return undefined;
  const params = new URLSearchParams(fragment);
  const key = params.get("key")?.trim();
  if (key === undefined) return undefined;
  params.delete("key");
  const rest = params.toString();
  window.history.replaceState(window.history.state, "", `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ""}`);
  return key || undefined;
}
