// Events as docs/protocol.md ("Events and the durable log") defines them.
import type { ConversationBlock, JsonObject } from "./blocks.js";
import type { SessionMetadata, SessionRuntime } from "./sessions.js";

interface EventBase {
  /** Position in the session's log: starts at 1, no gaps. */
  seq: number;
  sessionId: string;
  /** When the event was logged (ISO-8601). */
  timestamp: string;
}

/** A new block; text blocks start with empty `content`. `conversationId` is `"main"` or a subagent id. */
export interface BlockStartEvent extends EventBase {
  type: "session:block:start";
  conversationId: string;
  block: ConversationBlock;
}

/** Text appended to the block's `content`. */
export interface BlockDeltaEvent extends EventBase {
  type: "session:block:delta";
  conversationId: string;
  blockId: string;
  delta: string;
}

/** Changed properties of a block in its wire shape, e.g. `{"status":"success"}`. */
export interface BlockUpdateEvent extends EventBase {
  type: "session:block:update";
  conversationId: string;
  blockId: string;
  updates: JsonObject;
}

/** The block's final state; it replaces what deltas built. */
export interface BlockCompleteEvent extends EventBase {
  type: "session:block:complete";
  conversationId: string;
  blockId: string;
  block: ConversationBlock;
}

/** Running totals of a conversation. */
export interface MetadataUpdateEvent extends EventBase {
  type: "session:metadata:update";
  conversationId: string;
  metadata: SessionMetadata;
}

/** The session's runtime changed. */
export interface StatusEvent extends EventBase {
  type: "session:status";
  runtime: SessionRuntime;
}

/** A turn began. */
export interface TurnStartedEvent extends EventBase {
  type: "session:turn:started";
  turnId: string;
}

/** A turn ended normally. */
export interface TurnCompletedEvent extends EventBase {
  type: "session:turn:completed";
  turnId: string;
}

/** A turn ended with an error. */
export interface TurnFailedEvent extends EventBase {
  type: "session:turn:failed";
  turnId: string;
  error: string;
}

/** A workspace file changed: the agent wrote or deleted it, or a client uploaded or deleted it. */
interface FileEventBase extends EventBase {
  /** Relative to the workspace, with forward slashes. */
  path: string;
  /** Bytes (0 when deleted). */
  size: number;
  /** SHA-256 of the content, lower-case hex (empty when deleted). */
  hash: string;
  /** The text of a UTF-8 file up to 64 KiB; absent for binary and larger files, which are fetched by path. */
  content?: string;
}

/** A file appeared in the workspace. */
export interface FileCreatedEvent extends FileEventBase {
  type: "session:file:created";
}

/** A file of the workspace changed. */
export interface FileModifiedEvent extends FileEventBase {
  type: "session:file:modified";
}

/** A file left the workspace. */
export interface FileDeletedEvent extends FileEventBase {
  type: "session:file:deleted";
}

/** An error not tied to a block. */
export interface ErrorEvent extends EventBase {
  type: "error";
  message: string;
  code?: string;
}

/** Anything that happened in a session. */
export type SessionEvent =
  | BlockStartEvent
  | BlockDeltaEvent
  | BlockUpdateEvent
  | BlockCompleteEvent
  | MetadataUpdateEvent
  | StatusEvent
  | TurnStartedEvent
  | TurnCompletedEvent
  | TurnFailedEvent
  | FileCreatedEvent
  | FileModifiedEvent
  | FileDeletedEvent
  | ErrorEvent;

/** The `type` of an event. */
export type SessionEventType = SessionEvent["type"];

/** The conversation id of the main thread. */
export const MAIN_CONVERSATION = "main";
