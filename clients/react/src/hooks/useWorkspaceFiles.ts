import { useCallback, useEffect, useRef, useState } from "react";
import { useAgentService } from "../context/AgentServiceProvider.js";
import type { WorkspaceFileInfo } from "../types/sessions.js";
import { useSessionState } from "./useSessionState.js";

const NO_FILES: WorkspaceFileInfo[] = [];

/** What {@link useWorkspaceFiles} returns. */
export interface UseWorkspaceFilesResult {
  /** The workspace's files as last persisted (path, size, hash, modifiedAt). */
  files: WorkspaceFileInfo[];
  isLoading: boolean;
  error: string | undefined;
  /** Reads the list again. */
  refresh: () => Promise<void>;
  getFile: (path: string) => WorkspaceFileInfo | undefined;
  /** The files whose path matches: a regular expression, or a glob (`*` within a folder, `**` across folders, `?`). */
  getFilesByPattern: (pattern: RegExp | string) => WorkspaceFileInfo[];
  /** The files with that extension, with or without its dot (`".py"` or `"py"`), in any case. */
  getFilesByExtension: (extension: string) => WorkspaceFileInfo[];
  /** A file's text as its last file event carried it (small UTF-8 files), without a request. */
  getContent: (path: string) => string | undefined;
  /** A file's text: the carried content when there is one, else read from the server. */
  readFile: (path: string) => Promise<string>;
}

/**
 * A session's workspace files, live: read when the hook mounts, then kept current by the session's
 * `session:file:*` events (which carry the text of small files), and read again whenever a turn ends.
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

  // Read again when a turn ends (running or awaiting an approval → idle), which is when the server has stored its files.
  const turnState = state?.turn.state;
  const previous = useRef(turnState);
  useEffect(() => {
    if (previous.current !== undefined && previous.current !== "idle" && turnState === "idle") void refresh();
    previous.current = turnState;
  }, [turnState, refresh]);
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const files = state?.workspaceFiles ?? NO_FILES;
  const contents = state?.fileContents;
  const getFile = useCallback((path: string) => files.find((f) => f.path === path), [files]);
  const getContent = useCallback((path: string) => contents?.[path], [contents]);
  const getFilesByPattern = useCallback(
    (pattern: RegExp | string) => {
      const regex = typeof pattern === "string" ? globToRegExp(pattern) : pattern;
      // A global or sticky regex keeps its place between tests; a fresh copy without those flags does not.
      const test = regex.global || regex.sticky ? new RegExp(regex.source, regex.flags.replace(/[gy]/g, "")) : regex;
      return files.filter((f) => test.test(f.path));
    },
    [files],
  );
  const getFilesByExtension = useCallback(
    (extension: string) => {
      const suffix = `.${extension.replace(/^\./, "").toLowerCase()}`;
      return files.filter((f) => f.path.toLowerCase().endsWith(suffix));
    },
    [files],
  );
  const readFile = useCallback(
    async (path: string) => {
      const inline = contents?.[path];
      if (inline !== undefined) return inline;
      if (!sessionId) throw new Error("useWorkspaceFiles: there is no session to read from.");
      return service.rest.readFile(sessionId, path);
    },
    [contents, service, sessionId],
  );
  return { files, isLoading, error, refresh, getFile, getFilesByPattern, getFilesByExtension, getContent, readFile };
}

/** A glob over whole paths: `**` any run of characters, `*` any within one folder, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      // `**/` also matches no folder at all, so `src/**/*.ts` finds `src/a.ts`.
      if (glob[i + 2] === "/") {
        source += "(?:.*/)?";
        i += 2;
      } else {
        source += ".*";
        i++;
      }
    } else if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}
