import { useMemo } from "react";
import type { ConversationBlock, SubagentBlock, ToolStatus } from "../types/blocks.js";
import { MAIN_CONVERSATION } from "../types/events.js";
import type { SessionMetadata } from "../types/sessions.js";
import { useSessionState } from "./useSessionState.js";

/** One subagent: the block that started it (when seen) and its own thread. */
export interface SubagentView {
  /** The subagent id, which is its thread's conversation id. */
  id: string;
  /** The `subagent` block in the parent conversation. */
  block: SubagentBlock | undefined;
  name: string | undefined;
  status: ToolStatus | undefined;
  /** The subagent's own blocks, in order. */
  blocks: ConversationBlock[];
  metadata: SessionMetadata | undefined;
}

/** What {@link useSubagents} returns. */
export interface UseSubagentsResult {
  /** The subagents in the order they started. */
  subagents: SubagentView[];
  /** How many subagents there are. */
  count: number;
  /** Whether any subagent is still under way: pending, waiting for an approval, or running. */
  hasRunningSubagents: boolean;
  getSubagent: (subagentId: string) => SubagentView | undefined;
  /** A subagent's own blocks; empty when there is no such subagent. */
  getSubagentBlocks: (subagentId: string) => ConversationBlock[];
  /** The subagents whose block has that status. */
  getSubagentsByStatus: (status: ToolStatus) => SubagentView[];
}

const NO_BLOCKS: ConversationBlock[] = [];

/** A session's subagents and their threads, streaming in like the main conversation. */
export function useSubagents(sessionId: string | undefined): UseSubagentsResult {
  const state = useSessionState(sessionId);
  return useMemo(() => {
    const startedBy = new Map<string, SubagentBlock>();
    for (const thread of Object.values(state?.threads ?? {})) {
      for (const block of thread) if (block.type === "subagent") startedBy.set(block.subagentId, block);
    }
    const subagents = (state?.threadOrder ?? [])
      .filter((id) => id !== MAIN_CONVERSATION)
      .map((id): SubagentView => {
        const block = startedBy.get(id);
        return {
          id,
          block,
          name: block?.name,
          status: block?.status,
          blocks: state?.threads[id] ?? [],
          metadata: state?.threadMetadata[id],
        };
      });
    const getSubagent = (subagentId: string) => subagents.find((s) => s.id === subagentId);
    return {
      subagents,
      count: subagents.length,
      hasRunningSubagents: subagents.some((s) => s.status === "pending" || s.status === "awaiting_approval" || s.status === "running"),
      getSubagent,
      getSubagentBlocks: (subagentId: string) => getSubagent(subagentId)?.blocks ?? NO_BLOCKS,
      getSubagentsByStatus: (status: ToolStatus) => subagents.filter((s) => s.status === status),
    };
  }, [state?.threads, state?.threadOrder, state?.threadMetadata]);
}
