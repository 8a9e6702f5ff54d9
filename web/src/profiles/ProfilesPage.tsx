import { useProfiles, type AgentProfile, type ProfileDocument, type ProfileVersionInfo } from "@agent-runtime/react";
import { useEffect, useState } from "react";
import { navigate, onLinkClick, profilePath } from "../app/router";

const NEW_PROFILE = `{
  "id": "my-profile",
  "name": "My profile",
  "description": "What the agent is for.",
  "systemPrompt": "You work in the current directory."
}`;

/**
 * The agent profiles: the list, one profile as formatted JSON (any of its versions), and a JSON editor that saves a new
 * version (or creates a profile) and shows the server's validation errors field by field.
 */
export function ProfilesPage({ profileId }: { profileId: string | undefined }) {
  const profiles = useProfiles();
  return (
    <div className="page profiles-page" data-testid="profiles-page">
      <h1>Profiles</h1>
      <div className="profiles-layout">
        <nav className="profile-list" aria-label="Profiles">
          {profiles.isLoading && profiles.profiles.length === 0 && <p className="muted">Loading profiles…</p>}
          {profiles.error && <p className="notice notice-error">Could not read the profiles: {profiles.error}</p>}
          <ul>
            {profiles.profiles.map((p) => (
              <li key={p.id}>
                <a
                  href={profilePath(p.id)}
                  className={`profile-item${p.id === profileId ? " active" : ""}`}
                  data-testid="profile-item"
                  data-profile-id={p.id}
                  onClick={onLinkClick(profilePath(p.id))}
                >
                  <span className="profile-name">{p.name}</span>
                  <span className="muted small">{p.id}</span>
                </a>
              </li>
            ))}
          </ul>
          <a href="/profiles/new" className="button block" onClick={onLinkClick("/profiles/new")} data-testid="new-profile-link">
            + New profile
          </a>
        </nav>
        <section className="profile-detail">
          {profileId === "new" ? (
            <ProfileEditor key="new" initial={NEW_PROFILE} create profiles={profiles} />
          ) : profileId ? (
            <ProfileDetail key={profileId} profileId={profileId} profiles={profiles} />
          ) : (
            <p className="muted">Pick a profile to see it, or make a new one.</p>
          )}
        </section>
      </div>
    </div>
  );
}

type Profiles = ReturnType<typeof useProfiles>;

function ProfileDetail({ profileId, profiles }: { profileId: string; profiles: Profiles }) {
  const [versions, setVersions] = useState<ProfileVersionInfo[]>();
  const [version, setVersion] = useState<number>();
  const [profile, setProfile] = useState<AgentProfile>();
  const [error, setError] = useState<string>();
  const [editing, setEditing] = useState(false);
  const { getProfile, listVersions } = profiles;

  // Versions first: the newest is shown unless another is picked. Read again after a save (the list changes then).
  useEffect(() => {
    let live = true;
    listVersions(profileId).then(
      (list) => live && (setVersions(list), setError(undefined)),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [profileId, listVersions, profiles.profiles]);

  const shown = version ?? versions?.at(-1)?.version;
  useEffect(() => {
    if (shown === undefined) return;
    let live = true;
    getProfile(profileId, shown).then(
      (p) => live && setProfile(p),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [profileId, shown, getProfile]);

  if (error) return <p className="notice notice-error">{error}</p>;
  if (!profile || !versions) return <p className="muted">Loading…</p>;
  const json = JSON.stringify(profile, null, 2);
  return (
    <div data-testid="profile-detail" data-profile-id={profileId}>
      <div className="profile-header">
        <h2>{profile.name}</h2>
        <label className="field-label">
          Version{" "}
          <select value={shown} onChange={(e) => setVersion(Number(e.target.value))} data-testid="profile-version">
            {versions.map((v) => (
              <option key={v.version} value={v.version}>
                {v.version} · {new Date(v.createdAt).toLocaleString()}
              </option>
            ))}
          </select>
        </label>
        {!editing && (
          <button type="button" className="button" onClick={() => setEditing(true)} data-testid="profile-edit">
            Edit
          </button>
        )}
      </div>
      {editing ? (
        <ProfileEditor
          initial={json}
          create={false}
          profiles={profiles}
          onSaved={() => {
            setVersion(undefined);
            setEditing(false);
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <pre className="profile-json" data-testid="profile-json">
          {json}
        </pre>
      )}
    </div>
  );
}

function ProfileEditor({
  initial,
  create,
  profiles,
  onSaved,
  onCancel,
}: {
  initial: string;
  create: boolean;
  profiles: Profiles;
  onSaved?: () => void;
  onCancel?: () => void;
}) {
  const [text, setText] = useState(initial);
  const [problem, setProblem] = useState<string>();
  const [errors, setErrors] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);

  const save = async () => {
    let document: ProfileDocument;
    try {
      document = JSON.parse(text) as ProfileDocument;
    } catch (e) {
      setProblem(`Not JSON: ${e instanceof Error ? e.message : String(e)}`);
      setErrors([]);
      return;
    }

    setSaving(true);
    try {
      const result = await profiles.saveProfile(document, { create });
      if (result.ok) {
        setProblem(undefined);
        setErrors([]);
        onSaved?.();
        if (create) navigate(profilePath(result.stored.profile.id));
      } else {
        setProblem(result.errors.length > 0 ? "The server refused the profile:" : result.message);
        setErrors(result.errors);
      }
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="profile-editor" data-testid="profile-editor">
      <textarea value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} rows={24} data-testid="profile-editor-text" />
      {problem && (
        <div className="notice notice-error" data-testid="profile-errors">
          <p>{problem}</p>
          {errors.length > 0 && (
            <ul>
              {errors.map((e) => (
                <li key={e} data-testid="profile-error">
                  {e}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <div className="profile-actions">
        <button type="button" className="button primary" onClick={() => void save()} disabled={saving} data-testid="profile-save">
          {create ? "Create profile" : "Save as new version"}
        </button>
        {onCancel && (
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </div>
  );
}
