import { useEvents, useWorkspaceFiles, type WorkspaceFileInfo } from "@agent-runtime/react";
import { useMemo } from "react";

/** `session:file:created|modified|deleted` (docs/protocol.md); the hooks package passes them through as raw events. */
interface FileEvent {
  seq: number;
  type: "session:file:created" | "session:file:modified" | "session:file:deleted";
  timestamp: string;
  path: string;
  size: number;
  hash: string;
  /** The text of UTF-8 files up to 64 KiB. */
  content?: string;
}

function isFileEvent(event: { type: string }): event is FileEvent {
  return event.type.startsWith("session:file:");
}

export interface LiveFile extends WorkspaceFileInfo {
  /** Whether a file event changed it since this page began following the session. */
  changed: boolean;
}

export interface LiveFiles {
  files: LiveFile[];
  /** The text a file event carried, by path, when it matches the file's current hash. */
  contentOf: (path: string, hash: string) => string | undefined;
  isLoading: boolean;
  error: string | undefined;
  refresh: () => Promise<void>;
}

/**
 * The workspace as stored (read with the session, and again after each turn) with the session's file events applied
 * on top, in seq order, so a file the agent writes shows up while the turn is still running.
 */
export function useLiveFiles(sessionId: string | undefined): LiveFiles {
  const stored = useWorkspaceFiles(sessionId);
  const { events } = useEvents(sessionId);
  const fileEvents = useMemo(() => events.filter((e) => isFileEvent(e as { type: string })) as unknown as FileEvent[], [events]);

  const merged = useMemo(() => {
    const byPath = new Map<string, LiveFile>(stored.files.map((f) => [f.path, { ...f, changed: false }]));
    const contents = new Map<string, { hash: string; content: string }>();
    for (const event of fileEvents) {
      if (event.type === "session:file:deleted") {
        byPath.delete(event.path);
        contents.delete(event.path);
        continue;
      }
      byPath.set(event.path, { path: event.path, size: event.size, hash: event.hash, modifiedAt: event.timestamp, changed: true });
      if (event.content !== undefined) contents.set(event.path, { hash: event.hash, content: event.content });
      else contents.delete(event.path);
    }
    const files = [...byPath.values()].sort((a, b) => a.path.localeCompare(b.path));
    return { files, contents };
  }, [stored.files, fileEvents]);

  return {
    files: merged.files,
    contentOf: (path, hash) => {
      const known = merged.contents.get(path);
      return known && known.hash === hash ? known.content : undefined;
    },
    isLoading: stored.isLoading,
    error: stored.error,
    refresh: stored.refresh,
  };
}
