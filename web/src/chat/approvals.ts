import type { ApprovalAnswer, ApprovalRequestedEvent, ConversationBlock } from "@agent-runtime/react";
import { createContext, useContext } from "react";

/** The pending approvals a conversation shows on their tool's card, and how to answer one. */
export interface Approvals {
  /** By the block id of the tool call (or subagent) they are for. */
  byBlock: ReadonlyMap<string, ApprovalRequestedEvent>;
  answer: (approvalId: string, answer: ApprovalAnswer) => Promise<unknown>;
}

export const ApprovalsContext = createContext<Approvals>({ byBlock: new Map(), answer: async () => undefined });

export const useApprovals = () => useContext(ApprovalsContext);

/**
 * Sorts the pending approvals into those shown on a card of the main conversation (its block is there: by block id,
 * else by tool use id) and the rest (a subagent's thread, which may be closed, or a call the agent never announced),
 * shown on their own so none is out of sight.
 */
export function placeApprovals(approvals: ApprovalRequestedEvent[], blocks: ConversationBlock[]) {
  const byBlock = new Map<string, ApprovalRequestedEvent>();
  const loose: ApprovalRequestedEvent[] = [];
  // The card a block is shown on: its own, or, for the call that started a subagent, the subagent's (BlockList shows
  // that call as the subagent's card).
  const shownOn = new Map<string, string>();
  const byToolUse = new Map<string, string>();
  for (const block of blocks) {
    if (block.type === "subagent" && block.toolUseId) byToolUse.set(block.toolUseId, block.id);
  }
  for (const block of blocks) {
    if (block.type !== "tool_use" && block.type !== "subagent") continue;
    const card = (block.type === "tool_use" && byToolUse.get(block.toolUseId)) || block.id;
    shownOn.set(block.id, card);
    if (block.toolUseId && !byToolUse.has(block.toolUseId)) byToolUse.set(block.toolUseId, card);
  }
  for (const approval of approvals) {
    const blockId = (approval.blockId && shownOn.get(approval.blockId)) || (approval.toolUseId ? byToolUse.get(approval.toolUseId) : undefined);
    if (blockId && !byBlock.has(blockId)) byBlock.set(blockId, approval);
    else loose.push(approval);
  }
  return { byBlock, loose };
}
