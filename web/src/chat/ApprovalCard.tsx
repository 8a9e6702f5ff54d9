import { AgentRuntimeApiError, isNotFound, type ApprovalAnswer, type ApprovalRequestedEvent, type JsonObject, type JsonValue } from "@agent-runtime/react";
import { useId, useMemo, useState } from "react";

/** Above this many characters the input is shown read-only: a textarea of megabytes makes the page crawl. */
const EDITABLE_LIMIT = 200_000;

export interface ApprovalCardProps {
  approval: ApprovalRequestedEvent;
  onAnswer: (approvalId: string, answer: ApprovalAnswer) => Promise<unknown>;
}

/**
 * A tool call waiting for a person: what the agent wants to run, its input as JSON (editable, to allow it with
 * changes), and allow / always allow in this session / deny with a message for the agent. Everything the agent sent is
 * shown as text (React escapes it): a tool name or input is the model's output, untrusted as far as the page goes.
 */
export function ApprovalCard({ approval, onAnswer }: ApprovalCardProps) {
  const original = useMemo(() => pretty(approval.input), [approval.input]);
  const [input, setInput] = useState(original);
  const [message, setMessage] = useState("");
  const [sending, setSending] = useState<ApprovalAnswer["decision"] | "always" | null>(null);
  const [error, setError] = useState<string>();
  const id = useId();
  const editable = original.length <= EDITABLE_LIMIT;

  // A changed input replaces the tool's whole input, so it must be a JSON object, as the server checks too.
  const parsed = useMemo((): { ok: true; value: JsonObject } | { ok: false; error: string } => {
    try {
      const value = JSON.parse(input) as JsonValue;
      if (value === null || typeof value !== "object" || Array.isArray(value)) return { ok: false, error: "the input must be a JSON object ({…})." };
      return { ok: true, value };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }, [input]);
  const changed = editable && input !== original;
  const invalid = changed && !parsed.ok;

  const answer = async (kind: "allow" | "always" | "deny") => {
    if (sending) return;
    const body: ApprovalAnswer = { decision: kind === "deny" ? "deny" : "allow" };
    if (kind === "deny" && message.trim()) body.message = message.trim();
    if (kind !== "deny" && changed && parsed.ok) body.updatedInput = parsed.value;
    if (kind === "always") body.remember = "session";
    setSending(kind === "always" ? "always" : body.decision);
    setError(undefined);
    try {
      await onAnswer(approval.approvalId, body);
      // The card leaves when the server logs the resolution; until then it stays, disabled.
    } catch (e) {
      setSending(null);
      setError(describe(e));
    }
  };

  return (
    <section
      className="approval-card"
      role="group"
      aria-labelledby={`${id}-title`}
      data-testid="approval-card"
      data-approval-id={approval.approvalId}
      data-approval
    >
      <div className="approval-title" id={`${id}-title`}>
        <span className="approval-icon" aria-hidden="true">
          ?
        </span>
        <span>
          The agent asks to run <strong data-testid="approval-tool">{approval.toolName}</strong>
        </span>
        {approval.expiresAt && <span className="muted small">· denied at {new Date(approval.expiresAt).toLocaleTimeString()} if unanswered</span>}
      </div>
      <label className="io-label" htmlFor={`${id}-input`}>
        {editable ? "Input (JSON — edit to allow it with changes)" : "Input (too large to edit)"}
      </label>
      {editable ? (
        <textarea
          id={`${id}-input`}
          className={`io approval-input${invalid ? " invalid" : ""}`}
          value={input}
          onChange={(e) => setInput(e.target.value)}
          spellCheck={false}
          rows={Math.min(12, Math.max(3, input.split("\n").length))}
          aria-invalid={invalid || undefined}
          aria-describedby={invalid ? `${id}-invalid` : undefined}
          disabled={sending !== null}
          data-testid="approval-input"
        />
      ) : (
        <pre id={`${id}-input`} className="io approval-input" data-testid="approval-input">
          {original.slice(0, EDITABLE_LIMIT)}…
        </pre>
      )}
      {invalid && !parsed.ok && (
        <p className="field-error" id={`${id}-invalid`} data-testid="approval-invalid">
          Not a valid input: {parsed.error}
        </p>
      )}
      <label className="io-label" htmlFor={`${id}-message`}>
        Reason for denying (told to the agent)
      </label>
      <input
        id={`${id}-message`}
        className="approval-message"
        value={message}
        onChange={(e) => setMessage(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            void answer("deny");
          }
        }}
        placeholder="Optional"
        maxLength={2000}
        disabled={sending !== null}
        data-testid="approval-message"
      />
      <div className="approval-actions">
        <button type="button" className="button primary small" onClick={() => void answer("allow")} disabled={sending !== null || invalid} data-testid="approval-allow">
          {sending === "allow" ? "Allowing…" : changed ? "Allow with changes" : "Allow"}
        </button>
        <button
          type="button"
          className="button small"
          onClick={() => void answer("always")}
          disabled={sending !== null || invalid}
          title={`Allow ${approval.toolName} without asking for the rest of this session`}
          data-testid="approval-allow-always"
        >
          {sending === "always" ? "Allowing…" : "Always allow in this session"}
        </button>
        <button type="button" className="button small danger" onClick={() => void answer("deny")} disabled={sending !== null} data-testid="approval-deny">
          {sending === "deny" ? "Denying…" : "Deny"}
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert" data-testid="approval-error">
          {error}
        </p>
      )}
    </section>
  );
}

function pretty(value: JsonValue): string {
  try {
    return JSON.stringify(value ?? {}, null, 2) ?? "{}";
  } catch {
    return String(value);
  }
}

function describe(error: unknown): string {
  if (error instanceof AgentRuntimeApiError && error.status === 409) return "This approval was already answered (by another window, its timeout, or a stop).";
  if (isNotFound(error)) return "This approval is no longer pending.";
  return error instanceof Error ? error.message : String(error);
}
