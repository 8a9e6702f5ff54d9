// Events as docs/protocol.md ("Events and the durable log") defines them.
import type { ApprovalDecision, ApprovalOption, SessionOptions } from "./approvals.js";
import type { ConversationBlock, JsonObject, JsonValue } from "./blocks.js";
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

/** A turn ended normally, or because a client stopped it. */
export interface TurnCompletedEvent extends EventBase {
  type: "session:turn:completed";
  turnId: string;
  /** `interrupted` when a client stopped the turn; absent when the agent finished its answer. */
  stopReason?: "interrupted" | (string & {});
}

/** A turn ended with an error. */
export interface TurnFailedEvent extends EventBase {
  type: "session:turn:failed";
  turnId: string;
  error: string;
}

/**
 * A tool call waits for a person's decision. It stays pending, for every client, until a `session:approval:resolved`
 * with the same `approvalId`; the session's detail lists the pending ones.
 */
export interface ApprovalRequestedEvent extends EventBase {
  type: "session:approval:requested";
  /** What `POST /api/sessions/{id}/approvals/{approvalId}` answers. */
  approvalId: string;
  turnId: string;
  /** `"main"` or the subagent whose thread the tool call is in. */
  conversationId: string;
  /** The tool call's block, when the agent announced it before asking. */
  blockId?: string;
  toolUseId?: string;
  toolName: string;
  /** The tool's input, which an answer may change. */
  input: JsonValue;
  /** The answers the agent offers, when it offers a choice; empty for a plain allow or deny. */
  options: ApprovalOption[];
  /** When the request is denied if nobody answers it. */
  expiresAt?: string;
}

/** An approval was decided, once: by a person, by its timeout, or by the runtime (an interrupt, a restart). */
export interface ApprovalResolvedEvent extends EventBase {
  type: "session:approval:resolved";
  approvalId: string;
  decision: ApprovalDecision;
  /** Who decided: the answering caller's key id or user, or `timeout`, `interrupt`, `restart`. */
  by: string;
  /** The message the agent is given with a denial. */
  message?: string;
  /** The input the tool runs with, when the answer changed it. */
  updatedInput?: JsonValue;
  /** Whether the answer stands for the rest of the session. */
  remember: boolean;
}

/** The session's options changed; they apply from its next turn. */
export interface OptionsUpdateEvent extends EventBase {
  type: "session:options:update";
  /** The options as they are now. */
  options: SessionOptions;
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
  | ApprovalRequestedEvent
  | ApprovalResolvedEvent
  | OptionsUpdateEvent
  | FileCreatedEvent
  | FileModifiedEvent
  | FileDeletedEvent
  | ErrorEvent;

/** The `type` of an event. */
export type SessionEventType = SessionEvent["type"];

/** The conversation id of the main thread. */
export const MAIN_CONVERSATION = "main";
