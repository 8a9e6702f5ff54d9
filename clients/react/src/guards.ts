import type {
  AssistantTextBlock,
  ConversationBlock,
  ErrorBlock,
  SubagentBlock,
  SystemBlock,
  ThinkingBlock,
  ToolResultBlock,
  ToolUseBlock,
  UserMessageBlock,
} from "./types/blocks.js";

/** Whether the block is a user's message. */
export const isUserMessageBlock = (block: ConversationBlock): block is UserMessageBlock => block.type === "user_message";

/** Whether the block is assistant text. */
export const isAssistantTextBlock = (block: ConversationBlock): block is AssistantTextBlock => block.type === "assistant_text";

/** Whether the block is a tool call. */
export const isToolUseBlock = (block: ConversationBlock): block is ToolUseBlock => block.type === "tool_use";

/** Whether the block is a tool's result. */
export const isToolResultBlock = (block: ConversationBlock): block is ToolResultBlock => block.type === "tool_result";

/** Whether the block is the model's reasoning. */
export const isThinkingBlock = (block: ConversationBlock): block is ThinkingBlock => block.type === "thinking";

/** Whether the block is a system notice. */
export const isSystemBlock = (block: ConversationBlock): block is SystemBlock => block.type === "system";

/** Whether the block started a subagent. */
export const isSubagentBlock = (block: ConversationBlock): block is SubagentBlock => block.type === "subagent";

/** Whether the block is an inline error. */
export const isErrorBlock = (block: ConversationBlock): block is ErrorBlock => block.type === "error";
