import { useCallback, useEffect, useSyncExternalStore } from "react";
import { useAgentService } from "../context/AgentServiceProvider.js";
import type { SessionListItem } from "../types/sessions.js";

/** What {@link useSessionList} returns. */
export interface UseSessionListResult {
  /** The newest sessions, most recently active first: the pages read so far, kept current by the hub. */
  sessions: SessionListItem[];
  isLoading: boolean;
  error: string | undefined;
  /** Whether the server has older sessions than those in `sessions`. */
  hasMore: boolean;
  /** Whether `loadMore` is reading a page. */
  isLoadingMore: boolean;
  /** Reads the next page of older sessions (`sessionListPageSize` of them, 100 by default); nothing when there is none. */
  loadMore: () => Promise<void>;
  /** Reads the list again. */
  refresh: () => Promise<void>;
  /** A session of the list by id; undefined when it is not among the sessions read (or does not exist). */
  getSession: (sessionId: string) => SessionListItem | undefined;
}

/**
 * The server's sessions, live: created, changed and deleted sessions show up as they happen. The list is read a page at
 * a time, the newest first: call `loadMore` while `hasMore` to read older ones.
 */
export function useSessionList(): UseSessionListResult {
  const service = useAgentService();
  const list = service.sessionList;
  useEffect(() => list.retain(), [list]);
  const state = useSyncExternalStore(list.subscribe, list.snapshot, list.snapshot);
  const refresh = useCallback(() => list.refresh(), [list]);
  const loadMore = useCallback(() => list.loadMore(), [list]);
  const sessions = state.sessions;
  const getSession = useCallback((sessionId: string) => sessions.find((s) => s.sessionId === sessionId), [sessions]);
  return {
    sessions: state.sessions,
    isLoading: state.isLoading,
    error: state.error,
    hasMore: state.hasMore,
    isLoadingMore: state.isLoadingMore,
    loadMore,
    refresh,
    getSession,
  };
}
