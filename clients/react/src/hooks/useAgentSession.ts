import { useCallback, useEffect, useState } from "react";
import { useAgentService } from "../context/AgentServiceProvider.js";
import type { Architecture, SessionListItem } from "../types/sessions.js";
import { useSessionState } from "./useSessionState.js";

/**
 * Where the hook's session stands: `none` (no session yet), `loading` (creating or reading it), `ready` (waiting
 * for a message), `running` (a turn is under way), `deleted`, or `error` (see `error`).
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
}

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

  const ended = state?.connection === "ended";
  const error = actionError ?? (ended ? state?.connectionError : undefined);
  const isLoading = busy || (state !== undefined && !state.hydrated && state.lastSeq === 0 && !ended);
  let status: AgentSessionStatus;
  if (error) status = "error";
  else if (deleted || state?.deleted) status = "deleted";
  else if (!currentId) status = busy ? "loading" : "none";
  else if (isLoading || !state) status = "loading";
  else status = state.turn.state === "running" ? "running" : "ready";

  return { session: deleted ? undefined : state?.session, status, isLoading, error, createSession, loadSession, destroySession };
}
