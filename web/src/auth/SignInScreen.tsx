import { useEffect, useState, type FormEvent } from "react";

/** The sign-in screen: one field for an API key, checked by the server before the app opens. */
export function SignInScreen({
  message,
  draft,
  onSignIn,
}: {
  message: string | undefined;
  draft: string | undefined;
  onSignIn: (key: string) => Promise<void>;
}) {
  const [key, setKey] = useState(draft ?? "");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    document.title = "Sign in · Agent Runtime";
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!key.trim() || busy) return;
    setBusy(true);
    try {
      await onSignIn(key);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="sign-in-page">
      <form className="sign-in" onSubmit={submit} data-testid="sign-in">
        <div className="sign-in-brand">
          <span className="brand-mark" aria-hidden="true" />
          Agent Runtime
        </div>
        <h1>Sign in</h1>
        <p className="muted small">
          Paste an API key. The server writes its first admin key to <code>admin.key</code> in its data directory and logs a
          link that signs in directly; an admin makes more with <code>POST /api/keys</code>.
        </p>
        <label className="field">
          <span className="field-label">API key</span>
          <input
            type="password"
            name="apiKey"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            placeholder="ar_…"
            autoComplete="off"
            spellCheck={false}
            autoFocus
            aria-invalid={message ? true : undefined}
            aria-describedby={message ? "sign-in-message" : undefined}
            data-testid="api-key-input"
          />
        </label>
        {message && (
          <p className="notice notice-error small" id="sign-in-message" role="alert" data-testid="sign-in-error">
            {message}
          </p>
        )}
        <button type="submit" className="button primary block" disabled={!key.trim() || busy} data-testid="sign-in-submit">
          {busy ? "Checking…" : "Sign in"}
        </button>
        <p className="muted small">The key is kept in this browser until you sign out.</p>
      </form>
    </div>
  );
}

/** What shows while a saved key or a sign-in link is being checked. */
export function CheckingScreen() {
  return (
    <div className="sign-in-page">
      <p className="muted" role="status" data-testid="signing-in">
        Signing in…
      </p>
    </div>
  );
}
