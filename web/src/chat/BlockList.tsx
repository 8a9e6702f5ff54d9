import type { ConversationBlock, SubagentView, ToolResultBlock } from "@agent-runtime/react";
import { useMemo } from "react";
import { BlockView } from "./BlockView";

/**
 * System notices that only say how far the agent has got ("Status: requesting.", "Thinking: about 8 tokens so far.").
 * They are shown once, beside the working indicator, rather than piling up in the conversation.
 */
const TRANSIENT_SUBTYPES = new Set(["status", "thinking_tokens", "task_progress"]);

export const isTransient = (block: ConversationBlock) => block.type === "system" && TRANSIENT_SUBTYPES.has(block.subtype);

/** The newest progress notice, while it is news: nothing but other notices came after it. */
export function currentProgress(blocks: ConversationBlock[]): string | undefined {
  const last = blocks[blocks.length - 1];
  return last && isTransient(last) && last.type === "system" ? last.message : undefined;
}

export interface BlockListProps {
  blocks: ConversationBlock[];
  /** Each subagent's thread, by subagent id, for the subagent cards. */
  subagents: ReadonlyMap<string, SubagentView>;
  /** Whether the thread's last block may still be growing. */
  streaming: boolean;
  depth?: number;
}

/**
 * One thread's blocks in order. A tool's result is shown inside its call's card rather than on its own, and a call that
 * started a subagent is shown as the subagent's card.
 */
export function BlockList({ blocks, subagents, streaming, depth = 0 }: BlockListProps) {
  const { results, subagentCalls } = useMemo(() => {
    const results = new Map<string, ToolResultBlock>();
    const subagentCalls = new Set<string>();
    for (const block of blocks) {
      if (block.type === "tool_result") results.set(block.toolUseId, block);
      if (block.type === "subagent" && block.toolUseId) subagentCalls.add(block.toolUseId);
    }
    return { results, subagentCalls };
  }, [blocks]);
  const toolUseIds = useMemo(() => new Set(blocks.flatMap((b) => (b.type === "tool_use" ? [b.toolUseId] : []))), [blocks]);

  // The block that may still be growing: the last one shown (progress notices come and go after it).
  let lastShown = blocks.length - 1;
  while (lastShown >= 0 && blocks[lastShown] && isTransient(blocks[lastShown]!)) lastShown--;

  return (
    <div className="blocks">
      {blocks.map((block, index) => {
        if (block.type === "tool_result" && (toolUseIds.has(block.toolUseId) || subagentCalls.has(block.toolUseId))) return null;
        if (block.type === "tool_use" && subagentCalls.has(block.toolUseId)) return null;
        if (isTransient(block)) return null;
        return (
          <BlockView
            key={block.id}
            block={block}
            result={block.type === "tool_use" ? results.get(block.toolUseId) : undefined}
            subagents={subagents}
            streaming={streaming && index === lastShown}
            depth={depth}
          />
        );
      })}
    </div>
  );
}
