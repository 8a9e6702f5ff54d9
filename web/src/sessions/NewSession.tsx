import {
  useAgentService,
  type AgentProfileSummary,
  type Architecture,
  type ArchitectureAvailability,
} from "@agent-runtime/react";
import { useEffect, useState, type FormEvent } from "react";
import { architectureLabel } from "../app/format";
import { navigate, sessionPath } from "../app/router";

interface Choices {
  profiles: AgentProfileSummary[];
  architectures: ArchitectureAvailability[];
}

/** Pick a profile and an architecture (unavailable ones shown with the server's reason), then create the session. */
export function NewSession() {
  const service = useAgentService();
  const [choices, setChoices] = useState<Choices>();
  const [loadError, setLoadError] = useState<string>();
  const [profile, setProfile] = useState<string>();
  const [architecture, setArchitecture] = useState<string>();
  const [name, setName] = useState("");
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<string>();

  useEffect(() => {
    const abort = new AbortController();
    Promise.all([service.rest.listProfiles(abort.signal), service.rest.architectures(abort.signal)]).then(
      ([profiles, architectures]) => {
        setChoices({ profiles, architectures });
        setProfile((current) => current ?? (profiles.find((p) => p.id === "default") ?? profiles[0])?.id);
        setArchitecture((current) => current ?? architectures.find((a) => a.available)?.name);
      },
      (error: unknown) => {
        if (!abort.signal.aborted) setLoadError(error instanceof Error ? error.message : String(error));
      },
    );
    return () => abort.abort();
  }, [service]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!profile || !architecture) return;
    setCreating(true);
    setCreateError(undefined);
    try {
      const trimmed = name.trim();
      const created = await service.rest.createSession({
        agentProfileRef: profile,
        architecture: architecture as Architecture,
        ...(trimmed ? { name: trimmed } : {}),
      });
      navigate(sessionPath(created.sessionId));
    } catch (error) {
      setCreateError(error instanceof Error ? error.message : String(error));
      setCreating(false);
    }
  };

  return (
    <div className="page">
      <form className="new-session" onSubmit={submit} data-testid="new-session">
        <h1>New session</h1>
        <p className="muted">An agent runs in its own sandbox with a private workspace. Pick how it is set up.</p>

        {loadError && <p className="notice notice-error">Could not read the server's profiles: {loadError}</p>}
        {!choices && !loadError && <p className="muted">Loading profiles…</p>}

        {choices && (
          <>
            <label className="field">
              <span className="field-label">Name <span className="muted">(optional)</span></span>
              <input value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Fix the flaky test" maxLength={200} />
            </label>

            <fieldset className="field">
              <legend className="field-label">Profile</legend>
              {choices.profiles.length === 0 && <p className="muted">The server has no profiles.</p>}
              <div className="options">
                {choices.profiles.map((p) => (
                  <label key={p.id} className={`option${profile === p.id ? " selected" : ""}`} data-testid="profile-option">
                    <input type="radio" name="profile" value={p.id} checked={profile === p.id} onChange={() => setProfile(p.id)} />
                    <span className="option-body">
                      <span className="option-title">
                        {p.name} <code className="muted">{p.id}</code>
                      </span>
                      {p.description && <span className="option-text">{p.description}</span>}
                    </span>
                  </label>
                ))}
              </div>
            </fieldset>

            <fieldset className="field">
              <legend className="field-label">Architecture</legend>
              <div className="options">
                {choices.architectures.map((a) => (
                  <label
                    key={a.name}
                    className={`option${architecture === a.name ? " selected" : ""}${a.available ? "" : " disabled"}`}
                    data-testid="architecture-option"
                    data-available={a.available}
                  >
                    <input
                      type="radio"
                      name="architecture"
                      value={a.name}
                      disabled={!a.available}
                      checked={architecture === a.name}
                      onChange={() => setArchitecture(a.name)}
                    />
                    <span className="option-body">
                      <span className="option-title">
                        {architectureLabel[a.name] ?? a.name} <code className="muted">{a.name}</code>
                      </span>
                      <span className={`option-text ${a.available ? "ok" : "unavailable"}`}>
                        {a.available ? "Available" : `Unavailable${a.reason ? `: ${a.reason}` : ""}`}
                      </span>
                    </span>
                  </label>
                ))}
              </div>
            </fieldset>

            {createError && <p className="notice notice-error">{createError}</p>}
            <div className="actions">
              <button type="submit" className="button primary" disabled={!profile || !architecture || creating}>
                {creating ? "Creating…" : "Create session"}
              </button>
            </div>
          </>
        )}
      </form>
    </div>
  );
}
