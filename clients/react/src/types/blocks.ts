// Blocks as docs/protocol.md ("Blocks") defines them. Every block has `type`, `id` and `timestamp` (ISO-8601).

/**
 * Where a tool call or a subagent stands. `awaiting_approval`: the agent asked to run it and a person has to allow or
 * deny it (see `session:approval:requested`).
 */
export type ToolStatus = "pending" | "awaiting_approval" | "running" | "success" | "error";

/** Any JSON value, as a tool's `input` or a system block's `metadata` holds. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

interface BlockBase {
  /** Unique within its session. */
  id: string;
  /** When the block started (ISO-8601). */
  timestamp: string;
}

/** An image in a user's message: its type and its bytes in base64. */
export interface MessageImage {
  mediaType: ImageMediaType;
  /** The image's bytes, base64-encoded (no `data:` prefix). */
  data: string;
}

/** The image types the server accepts in a message. */
export type ImageMediaType = "image/png" | "image/jpeg" | "image/gif" | "image/webp";

/** A message the user sent: its text, and the images sent with it. */
export interface UserMessageBlock extends BlockBase {
  type: "user_message";
  content: string;
  /** Absent when the message had none. */
  images?: MessageImage[];
}

/** Text the assistant wrote; grows through `session:block:delta` events while streaming. */
export interface AssistantTextBlock extends BlockBase {
  type: "assistant_text";
  content: string;
  model?: string;
}

/** The assistant's request to run a tool. */
export interface ToolUseBlock extends BlockBase {
  type: "tool_use";
  toolName: string;
  toolUseId: string;
  /** The tool's JSON input; `{}` until known. */
  input: JsonValue;
  status: ToolStatus;
}

/** What a tool returned. */
export interface ToolResultBlock extends BlockBase {
  type: "tool_result";
  toolUseId: string;
  output: string;
  isError: boolean;
  durationMs?: number;
}

/** The model's visible reasoning. */
export interface ThinkingBlock extends BlockBase {
  type: "thinking";
  content: string;
}

/** A notice that is not part of the dialogue (init, status, unknown agent messages). */
export interface SystemBlock extends BlockBase {
  type: "system";
  subtype: string;
  message: string;
  /** For agent messages: the agent's original JSON object. */
  metadata?: JsonObject;
}

/** A subagent the assistant started; its own blocks form a thread whose conversation id is `subagentId`. */
export interface SubagentBlock extends BlockBase {
  type: "subagent";
  subagentId: string;
  name?: string;
  input: JsonValue;
  status: ToolStatus;
  output?: string;
  toolUseId?: string;
}

/** An error shown inline in the conversation. */
export interface ErrorBlock extends BlockBase {
  type: "error";
  message: string;
  code?: string;
}

/** One unit of a conversation. */
export type ConversationBlock =
  | UserMessageBlock
  | AssistantTextBlock
  | ToolUseBlock
  | ToolResultBlock
  | ThinkingBlock
  | SystemBlock
  | SubagentBlock
  | ErrorBlock;

/** The `type` of a block. */
export type BlockType = ConversationBlock["type"];

/** The block type for a `type` value, e.g. `BlockOfType<"tool_use">` is `ToolUseBlock`. */
export type BlockOfType<T extends BlockType> = Extract<ConversationBlock, { type: T }>;
