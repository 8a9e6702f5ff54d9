import { useCallback } from "react";
import { useAgentService } from "../context/AgentServiceProvider.js";
import type { SessionEvent } from "../types/events.js";
import type { ConnectionState } from "../state/sessionState.js";
import { useSessionState } from "./useSessionState.js";

/** What {@link useEvents} returns. */
export interface UseEventsResult {
  /** The raw events applied since the client began following the session (the newest 2000), in seq order. */
  events: SessionEvent[];
  /** The seq of the last event applied: the cursor a resubscription starts after. */
  lastSeq: number;
  /** Where the live subscription stands. */
  connection: ConnectionState;
  connectionError: string | undefined;
  /** Forgets the raw events kept so far (not the cursor, nor anything they built): a debugging view's "clear". */
  clearEvents: () => void;
}

/** A session's raw events and its subscription's state, for debugging views. */
export function useEvents(sessionId: string | undefined): UseEventsResult {
  const service = useAgentService();
  const state = useSessionState(sessionId);
  const clearEvents = useCallback(() => {
    if (sessionId) service.sessionStore(sessionId).dispatch({ type: "clearEvents" });
  }, [service, sessionId]);
  return {
    events: state?.events ?? [],
    lastSeq: state?.lastSeq ?? 0,
    connection: state?.connection ?? "idle",
    connectionError: state?.connectionError,
    clearEvents,
  };
}
