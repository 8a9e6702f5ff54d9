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
}

/** A session's raw events and its subscription's state, for debugging views. */
export function useEvents(sessionId: string | undefined): UseEventsResult {
  const state = useSessionState(sessionId);
  return {
    events: state?.events ?? [],
    lastSeq: state?.lastSeq ?? 0,
    connection: state?.connection ?? "idle",
    connectionError: state?.connectionError,
  };
}
