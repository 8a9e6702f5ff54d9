import { useCallback, useEffect, useRef, useState } from "react";
import { useAgentService } from "../context/AgentServiceProvider.js";
import type { WorkspaceFileInfo } from "../types/sessions.js";
import { useSessionState } from "./useSessionState.js";

/** What {@link useWorkspaceFiles} returns. */
export interface UseWorkspaceFilesResult {
  /** The workspace's files as last persisted (path, size, hash, modifiedAt). */
  files: WorkspaceFileInfo[];
  isLoading: boolean;
  error: string | undefined;
  /** Reads the list again. */
  refresh: () => Promise<void>;
  getFile: (path: string) => WorkspaceFileInfo | undefined;
}

/**
 * A session's workspace files. The server persists them at the end of each turn and reports them in the session's
 * detail, so the list is read when the hook mounts and again whenever a turn ends.
 */
export function useWorkspaceFiles(sessionId: string | undefined): UseWorkspaceFilesResult {
  const service = useAgentService();
  const state = useSessionState(sessionId);
  const [isLoading, setIsLoading] = useState(false);
  const [error, setError] = useState<string>();
  const store = sessionId ? service.sessionStore(sessionId) : undefined;

  const refresh = useCallback(async () => {
    if (!sessionId || !store) return;
    setIsLoading(true);
    try {
      const detail = await service.rest.getSession(sessionId);
      store.dispatch({ type: "files", files: detail.workspaceFiles });
      setError(undefined);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setIsLoading(false);
    }
  }, [service, sessionId, store]);

  // Read again when a turn ends (running → idle), which is when the server has stored the turn's files.
  const turnState = state?.turn.state;
  const previous = useRef(turnState);
  useEffect(() => {
    if (previous.current === "running" && turnState === "idle") void refresh();
    previous.current = turnState;
  }, [turnState, refresh]);
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const files = state?.workspaceFiles ?? [];
  const getFile = useCallback((path: string) => files.find((f) => f.path === path), [files]);
  return { files, isLoading, error, refresh, getFile };
}
