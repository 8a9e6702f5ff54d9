import type { ConversationBlock, MessageImage, SubagentView, ToolResultBlock } from "@agent-runtime/react";
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
          <div className="bubble">
            {block.images && block.images.length > 0 && (
              <div className="message-images">
                {block.images.map((image, index) => {
                  const src = imageSource(image);
                  return src ? (
                    <img key={index} src={src} alt={`Image ${index + 1} sent with the message`} data-testid="message-image" />
                  ) : (
                    <span key={index} className="muted small">
                      (image {index + 1} in a format this page does not show)
                    </span>
                  );
                })}
              </div>
            )}
            {block.content}
          </div>
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

const SHOWN_IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** A data URL for an image the server stored, only for image types and base64 text: nothing else becomes a URL. */
function imageSource(image: MessageImage): string | undefined {
  if (!SHOWN_IMAGE_TYPES.has(image.mediaType) || typeof image.data !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(image.data)) return undefined;
  return `data:${image.mediaType};base64,${image.data}`;
}

function firstLine(text: string): string {
  const line = text.trim().split("\n", 1)[0] ?? "";
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}
