import { isUnauthorized, RestClient, type CallerInfo } from "@agent-runtime/react";
import { useCallback, useEffect, useRef, useState } from "react";
import { forgetKey, readStoredKey, storeKey, takeKeyFromFragment } from "./storedKey";

/** Where signing in stands: checking a key, signed out (with why), or signed in as `caller`. */
export type SignInState =
  | { status: "checking" }
  | { status: "signed-out"; message?: string; draft?: string }
  | { status: "signed-in"; apiKey: string | undefined; caller: CallerInfo };

/** Where a key came from, which decides what a refusal says. */
type KeySource = "typed" | "link" | "stored" | "none";

const refused: Record<KeySource, string | undefined> = {
  typed: "That key was not accepted. Check it and try again.",
  link: "The key in the sign-in link was not accepted.",
  stored: "The saved key is no longer accepted. Sign in again.",
  none: undefined,
};

export interface SignIn {
  state: SignInState;
  /** Checks a typed key with `GET /api/me`; resolves once the screen shows the outcome. */
  signIn: (key: string) => Promise<void>;
  signOut: () => void;
  /** The server answered 401 to a signed-in call: the key was deleted or has expired. */
  expired: () => void;
}

/**
 * Signing in with an API key. On load it takes the key of a `#key=` link, else the saved one, else none (a server
 * without auth answers `/api/me` anyway), and checks it with `GET /api/me`; a key the server accepts is saved in
 * localStorage, one it refuses (401) is forgotten. Any other failure (the server is away) keeps the saved key and
 * offers it again.
 */
export function useSignIn(apiUrl: string): SignIn {
  const [state, setState] = useState<SignInState>({ status: "checking" });
  const attempt = useRef(0);

  const check = useCallback(
    async (key: string | undefined, source: KeySource) => {
      const current = ++attempt.current;
      // A typed key is checked under the form, which shows its own progress and keeps what was typed.
      if (source !== "typed") setState({ status: "checking" });
      try {
        const caller = await new RestClient(key ? { apiUrl, apiKey: key } : { apiUrl }).me();
        if (current !== attempt.current) return;
        if (key) storeKey(key);
        setState({ status: "signed-in", apiKey: key, caller });
      } catch (error) {
        if (current !== attempt.current) return;
        if (isUnauthorized(error)) {
          if (source !== "none") forgetKey();
          const message = refused[source];
          setState(message ? { status: "signed-out", message, ...(source === "typed" && key ? { draft: key } : {}) } : { status: "signed-out" });
        } else {
          const reason = error instanceof Error ? error.message : String(error);
          setState({ status: "signed-out", message: `Could not reach the server: ${reason}`, ...(key ? { draft: key } : {}) });
        }
      }
    },
    [apiUrl],
  );

  useEffect(() => {
    const fromLink = takeKeyFromFragment();
    const stored = readStoredKey();
    void check(fromLink ?? stored, fromLink ? "link" : stored ? "stored" : "none");
    // A sign-in link opened while the app is already open changes only the fragment: no reload, just this event.
    const onHashChange = () => {
      const key = takeKeyFromFragment();
      if (key) void check(key, "link");
    };
    window.addEventListener("hashchange", onHashChange);
    return () => window.removeEventListener("hashchange", onHashChange);
  }, [check]);

  const signIn = useCallback((key: string) => check(key.trim(), "typed"), [check]);
  const signOut = useCallback(() => {
    attempt.current++;
    forgetKey();
    setState({ status: "signed-out" });
  }, []);
  const expired = useCallback(() => {
    attempt.current++;
    forgetKey();
    setState({ status: "signed-out", message: "The server no longer accepts this key. Sign in again." });
  }, []);

  return { state, signIn, signOut, expired };
}
