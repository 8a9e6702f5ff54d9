import { useCallback, useEffect, useState } from "react";
import { useAgentService } from "../context/AgentServiceProvider.js";
import type { ApprovalAnswer, SessionOptions, SessionOptionsUpdate } from "../types/approvals.js";
import type { ApprovalRequestedEvent, ApprovalResolvedEvent } from "../types/events.js";
import type { Architecture, SessionListItem, SessionRuntime } from "../types/sessions.js";
import { useSessionState } from "./useSessionState.js";

/**
 * Where the hook's session stands: `none` (no session yet), `loading` (creating or reading it), `ready` (waiting
 * for a message), `running` (a turn is under way, also while it waits for an approval: see `approvals`), `deleted`,
 * or `error` (see `error`).
 */
export type AgentSessionStatus = "none" | "loading" | "ready" | "running" | "deleted" | "error";

/** What {@link useAgentSession} returns. */
export interface UseAgentSessionResult {
  /** The session as the list shows it, kept current by its events (turn state, sandbox, activity). */
  session: SessionListItem | undefined;
  status: AgentSessionStatus;
  isLoading: boolean;
  error: string | undefined;
  /** Creates a session and makes it this hook's session; resolves to its id. */
  createSession: (agentProfileRef: string, architecture: Architecture, name?: string) => Promise<string>;
  /** Makes an existing session this hook's session. */
  loadSession: (sessionId: string) => void;
  /** Deletes this hook's session (its sandbox and all its data). */
  destroySession: () => Promise<void>;
  /** Whether the session is in the server's memory and what its sandbox is doing, kept current by `session:status`. */
  runtime: SessionRuntime | undefined;
  /** Reads the session's detail again (and resumes a subscription that had ended); the events keep it current otherwise. */
  syncSession: () => Promise<void>;
  /**
   * Stops the running turn; resolves to its id. The turn ends with `session:turn:completed` and
   * `stopReason: "interrupted"`, and its pending approvals are denied. Rejects with a 409 when no turn is running.
   */
  interrupt: () => Promise<string>;
  /** The tool calls waiting for a person's answer, in the order they were asked: from the detail, then kept by events. */
  approvals: ApprovalRequestedEvent[];
  /**
   * Answers a pending approval; resolves to the logged `session:approval:resolved` (the approval leaves `approvals`
   * when that event arrives). Rejects with a 409 when it was already answered — by another client, its timeout or an
   * interrupt — and a 404 when the session has no such approval.
   */
  answerApproval: (approvalId: string, answer: ApprovalAnswer) => Promise<ApprovalResolvedEvent>;
  /** What the session sets for itself over its profile (model, permission mode, tools allowed for the session). */
  options: SessionOptions | undefined;
  /** Sets the model or permission mode (`null`: back to the profile's) from the next turn on; resolves to the options. */
  updateSessionOptions: (options: SessionOptionsUpdate) => Promise<SessionOptions>;
}

const NO_APPROVALS: ApprovalRequestedEvent[] = [];

/**
 * One session's lifecycle: create, load, follow, delete. Pass a session id to follow that one, or none and call
 * `createSession` or `loadSession`.
 */
export function useAgentSession(sessionId?: string): UseAgentSessionResult {
  const service = useAgentService();
  const [currentId, setCurrentId] = useState(sessionId);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string>();
  const [deleted, setDeleted] = useState(false);
  useEffect(() => {
    setCurrentId(sessionId);
    setDeleted(false);
  }, [sessionId]);
  const state = useSessionState(deleted ? undefined : currentId);

  const createSession = useCallback(
    async (agentProfileRef: string, architecture: Architecture, name?: string) => {
      setBusy(true);
      setActionError(undefined);
      try {
        const created = await service.rest.createSession(name === undefined ? { agentProfileRef, architecture } : { agentProfileRef, architecture, name });
        setDeleted(false);
        setCurrentId(created.sessionId);
        return created.sessionId;
      } catch (error) {
        setActionError(error instanceof Error ? error.message : String(error));
        throw error;
      } finally {
        setBusy(false);
      }
    },
    [service],
  );

  const loadSession = useCallback((id: string) => {
    setActionError(undefined);
    setDeleted(false);
    setCurrentId(id);
  }, []);

  const destroySession = useCallback(async () => {
    if (!currentId) return;
    setBusy(true);
    setActionError(undefined);
    try {
      await service.rest.deleteSession(currentId);
      setDeleted(true);
    } catch (error) {
      setActionError(error instanceof Error ? error.message : String(error));
      throw error;
    } finally {
      setBusy(false);
    }
  }, [service, currentId]);

  // These do not make the hook's status an error: a late stop or a second answer is a race, not a broken session.
  const requireSession = useCallback(() => {
    if (!currentId || deleted) throw new Error("useAgentSession: there is no session.");
    return currentId;
  }, [currentId, deleted]);
  const syncSession = useCallback(async () => service.syncSession(requireSession()), [service, requireSession]);
  const interrupt = useCallback(async () => service.rest.interrupt(requireSession()), [service, requireSession]);
  const answerApproval = useCallback(
    async (approvalId: string, answer: ApprovalAnswer) => service.rest.answerApproval(requireSession(), approvalId, answer),
    [service, requireSession],
  );
  const updateSessionOptions = useCallback(
    async (options: SessionOptionsUpdate) => service.rest.updateOptions(requireSession(), options),
    [service, requireSession],
  );

  const ended = state?.connection === "ended";
  const error = actionError ?? (ended ? state?.connectionError : undefined);
  const isLoading = busy || (state !== undefined && !state.hydrated && state.lastSeq === 0 && !ended);
  let status: AgentSessionStatus;
  if (error) status = "error";
  else if (deleted || state?.deleted) status = "deleted";
  else if (!currentId) status = busy ? "loading" : "none";
  else if (isLoading || !state) status = "loading";
  else status = state.turn.state === "idle" ? "ready" : "running";

  const live = deleted ? undefined : state;
  return {
    session: live?.session,
    status,
    isLoading,
    error,
    createSession,
    loadSession,
    destroySession,
    runtime: live?.runtime ?? live?.session?.runtime,
    syncSession,
    interrupt,
    approvals: live?.approvals ?? NO_APPROVALS,
    answerApproval,
    options: live?.options,
    updateSessionOptions,
  };
}
