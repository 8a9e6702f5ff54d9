import type { ConversationBlock, SubagentView, ToolResultBlock } from "@agent-runtime/react";
import { Markdown } from "./Markdown";
import { SubagentCard } from "./SubagentCard";
import { ToolCard } from "./ToolCard";

export interface BlockViewProps {
  block: ConversationBlock;
  result: ToolResultBlock | undefined;
  subagents: ReadonlyMap<string, SubagentView>;
  streaming: boolean;
  depth: number;
}

/** One block of a conversation. */
export function BlockView({ block, result, subagents, streaming, depth }: BlockViewProps) {
  switch (block.type) {
    case "user_message":
      return (
        <div className="msg msg-user" data-testid="user-message">
          <div className="bubble">{block.content}</div>
        </div>
      );
    case "assistant_text":
      return (
        <div className={`msg msg-assistant${streaming ? " streaming" : ""}`} data-testid="assistant-text" data-streaming={streaming}>
          <Markdown text={block.content} />
        </div>
      );
    case "thinking":
      return (
        <details className="thinking" data-testid="thinking" open={streaming || undefined}>
          <summary>
            <span className="thinking-label">{streaming ? "Thinking…" : "Thought"}</span>
            <span className="thinking-preview">{firstLine(block.content)}</span>
          </summary>
          <div className="thinking-body">{block.content}</div>
        </details>
      );
    case "tool_use":
      return <ToolCard block={block} result={result} />;
    case "tool_result":
      return (
        <div className={`card tool-card tool-${block.isError ? "error" : "success"}`} data-testid="tool-result">
          <div className="card-body">
            <div className="io-label">Tool result</div>
            <pre className={`io${block.isError ? " io-error" : ""}`}>{block.output}</pre>
          </div>
        </div>
      );
    case "subagent":
      return <SubagentCard block={block} view={subagents.get(block.subagentId)} subagents={subagents} depth={depth} />;
    case "system":
      return (
        <div className="system-line" data-testid="system" title={block.message}>
          <span className="system-subtype">{block.subtype}</span>
          {block.message && <span className="system-message">{block.message}</span>}
        </div>
      );
    case "error":
      return (
        <div className="inline-error" role="alert" data-testid="error-block">
          <strong>Error</strong>
          {block.code && <code>{block.code}</code>}
          <span className="inline-error-message">{block.message}</span>
        </div>
      );
    default:
      return null;
  }
}

function firstLine(text: string): string {
  const line = text.trim().split("\n", 1)[0] ?? "";
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}
