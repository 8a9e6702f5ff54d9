import type { ConversationBlock } from "../types/blocks.js";
import type { SessionOptions } from "../types/approvals.js";
import type { ApprovalRequestedEvent, SessionEvent } from "../types/events.js";
import type { SessionListItem, SessionMetadata, SessionRuntime, TurnState, WorkspaceFileInfo } from "../types/sessions.js";

/** Where a session's live subscription stands. */
export type ConnectionState = "idle" | "connecting" | "live" | "reconnecting" | "ended";

/** What the client knows of one session: the blocks it rebuilt from the events, and the cursor it got them by. */
export interface SessionState {
  sessionId: string;
  /** The seq of the last event applied; the subscription resumes after it. */
  lastSeq: number;
  /** Whether the state was seeded from `GET /api/sessions/{id}`. */
  hydrated: boolean;
  /** The session as the list shows it, kept up to date by the events. */
  session?: SessionListItem;
  /** Blocks by conversation: `"main"` and one thread per subagent id. */
  threads: Record<string, ConversationBlock[]>;
  /** Subagent ids in the order their threads started. */
  threadOrder: string[];
  /** Where each block sits, by block id. */
  positions: Record<string, { conversationId: string; index: number }>;
  /** The main conversation's totals. */
  metadata?: SessionMetadata;
  /** Each subagent conversation's totals. */
  threadMetadata: Record<string, SessionMetadata>;
  runtime?: SessionRuntime;
  /** The current or last turn: `stopReason` is `interrupted` when a client stopped it. */
  turn: { state: TurnState; turnId?: string; error?: string; stopReason?: string };
  /** The approvals that wait for an answer, in the order they were asked. */
  approvals: ApprovalRequestedEvent[];
  /** What the session sets for itself over its profile; undefined until the detail or an event says. */
  options?: SessionOptions;
  /**
   * Text and thinking blocks that started and are still growing, by block id → conversation id: started by an event
   * this client applied and neither completed nor ended with their turn.
   */
  streamingBlocks: Record<string, string>;
  /** The last `error` event. */
  lastError?: { message: string; code?: string };
  workspaceFiles: WorkspaceFileInfo[];
  /** The text of small UTF-8 files as their file events carried it, by path. */
  fileContents: Record<string, string>;
  /** The raw events applied since this client started following the session (the newest {@link MAX_RAW_EVENTS}). */
  events: SessionEvent[];
  /** Set when an event arrived past `lastSeq + 1`: events were missed and the subscription must restart after `lastSeq`. */
  gap: { afterSeq: number; received: number } | null;
  connection: ConnectionState;
  /** Whether the session was deleted while followed. */
  deleted: boolean;
  /** Why the subscription ended or keeps failing. */
  connectionError?: string;
}

/** How many raw events a session keeps for `useEvents`. */
export const MAX_RAW_EVENTS = 2000;

/** A session the client has not heard anything of yet. */
export function initialSessionState(sessionId: string): SessionState {
  return {
    sessionId,
    lastSeq: 0,
    hydrated: false,
    threads: { main: [] },
    threadOrder: [],
    positions: {},
    threadMetadata: {},
    turn: { state: "idle" },
    approvals: [],
    streamingBlocks: {},
    workspaceFiles: [],
    fileContents: {},
    events: [],
    gap: null,
    connection: "idle",
    deleted: false,
  };
}
