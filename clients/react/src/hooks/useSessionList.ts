import { useCallback, useEffect, useSyncExternalStore } from "react";
import { useAgentService } from "../context/AgentServiceProvider.js";
import type { SessionListItem } from "../types/sessions.js";

/** What {@link useSessionList} returns. */
export interface UseSessionListResult {
  /** Every session, most recently active first, kept current by the hub. */
  sessions: SessionListItem[];
  isLoading: boolean;
  error: string | undefined;
  /** Reads the list again. */
  refresh: () => Promise<void>;
}

/** The server's sessions, live: created, changed and deleted sessions show up as they happen. */
export function useSessionList(): UseSessionListResult {
  const service = useAgentService();
  const list = service.sessionList;
  useEffect(() => list.retain(), [list]);
  const state = useSyncExternalStore(list.subscribe, list.snapshot, list.snapshot);
  const refresh = useCallback(() => list.refresh(), [list]);
  return { sessions: state.sessions, isLoading: state.isLoading, error: state.error, refresh };
}
