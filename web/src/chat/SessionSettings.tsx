import type { PermissionMode, SessionOptions, SessionOptionsUpdate } from "@agent-runtime/react";
import { useEffect, useId, useState, type FormEvent } from "react";

const modes: { value: PermissionMode | ""; label: string }[] = [
  { value: "", label: "Profile's default" },
  { value: "bypass", label: "Run every tool" },
  { value: "ask", label: "Ask before tools" },
  { value: "rules", label: "Rules, else ask" },
];

export interface SessionSettingsProps {
  options: SessionOptions | undefined;
  /** Whether a turn is running: changes apply from the next one. */
  busy: boolean;
  onChange: (update: SessionOptionsUpdate) => Promise<unknown>;
}

/**
 * The session's own model and permission mode over its profile's (`PATCH /api/sessions/{id}/options`), from the next
 * turn on; and the tools an answer allowed for the rest of the session.
 */
export function SessionSettings({ options, busy, onChange }: SessionSettingsProps) {
  const id = useId();
  const [model, setModel] = useState(options?.model ?? "");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState(false);
  // Another window (or an answer) may change the options: follow them unless this field is being edited.
  const [editing, setEditing] = useState(false);
  useEffect(() => {
    if (!editing) setModel(options?.model ?? "");
  }, [options?.model, editing]);

  const apply = async (update: SessionOptionsUpdate) => {
    setSaving(true);
    setError(undefined);
    setSaved(false);
    try {
      await onChange(update);
      setSaved(true);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setSaving(false);
    }
  };

  const submitModel = async (event?: FormEvent) => {
    event?.preventDefault();
    setEditing(false);
    const value = model.trim();
    if (value === (options?.model ?? "")) return;
    await apply({ model: value || null });
  };

  const allowed = options?.allowedTools ?? [];
  return (
    <form className="session-settings" onSubmit={submitModel} aria-label="Session settings" data-testid="session-settings">
      <label className="setting" htmlFor={`${id}-model`}>
        <span className="setting-label">Model</span>
        <input
          id={`${id}-model`}
          value={model}
          onChange={(e) => {
            setEditing(true);
            setModel(e.target.value);
          }}
          onBlur={() => void submitModel()}
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              setEditing(false);
              setModel(options?.model ?? "");
            }
          }}
          placeholder="Profile's model"
          spellCheck={false}
          maxLength={200}
          disabled={saving}
          data-testid="model-input"
        />
      </label>
      <label className="setting" htmlFor={`${id}-mode`}>
        <span className="setting-label">Tools</span>
        <select
          id={`${id}-mode`}
          title="Who decides whether the agent may run a tool: nobody, you for every tool that writes or executes, or the profile's allow and deny rules and you for the rest"
          value={options?.permissionMode ?? ""}
          onChange={(e) => void apply({ permissionMode: (e.target.value || null) as PermissionMode | null })}
          disabled={saving}
          data-testid="permission-mode"
        >
          {modes.map((mode) => (
            <option key={mode.value} value={mode.value}>
              {mode.label}
            </option>
          ))}
        </select>
      </label>
      {allowed.length > 0 && (
        <span className="muted small" data-testid="allowed-tools" title={allowed.join(", ")}>
          Always allowed: {allowed.join(", ")}
        </span>
      )}
      <span className="muted small" role="status" data-testid="settings-status">
        {saving ? "Saving…" : error ? "" : saved && busy ? "Applies from the next turn." : ""}
      </span>
      {error && (
        <span className="field-error small" role="alert" data-testid="settings-error">
          {error}
        </span>
      )}
    </form>
  );
}
