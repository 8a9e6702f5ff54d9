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
  /** Whether any subagent is still pending or running. */
  hasRunningSubagents: boolean;
  getSubagent: (subagentId: string) => SubagentView | undefined;
}

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
    return {
      subagents,
      hasRunningSubagents: subagents.some((s) => s.status === "pending" || s.status === "running"),
      getSubagent: (subagentId: string) => subagents.find((s) => s.id === subagentId),
    };
  }, [state?.threads, state?.threadOrder, state?.threadMetadata]);
}
