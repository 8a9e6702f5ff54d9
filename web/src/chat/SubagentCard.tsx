import type { SubagentBlock, SubagentView } from "@agent-runtime/react";
import { useState } from "react";
import { ApprovalCard } from "./ApprovalCard";
import { useApprovals } from "./approvals";
import { BlockList } from "./BlockList";
import { Markdown } from "./Markdown";
import { StatusBadge, toolSummary } from "./ToolCard";

/** A subagent: what it was asked and its status; opened, its own thread streaming in, and what it answered. */
export function SubagentCard({
  block,
  view,
  subagents,
  depth,
}: {
  block: SubagentBlock;
  view: SubagentView | undefined;
  subagents: ReadonlyMap<string, SubagentView>;
  depth: number;
}) {
  const [open, setOpen] = useState(false);
  const blocks = view?.blocks ?? [];
  const running = block.status === "running" || block.status === "pending" || block.status === "awaiting_approval";
  const { byBlock, answer } = useApprovals();
  const approval = byBlock.get(block.id);
  return (
    <div className={`card subagent-card tool-${block.status}`} data-testid="subagent-card" data-status={block.status}>
      <button type="button" className="card-header" onClick={() => setOpen(!open)} aria-expanded={open}>
        <span className="chevron" aria-hidden="true">{open ? "▾" : "▸"}</span>
        <span className="tool-name">{block.name ?? "Subagent"}</span>
        <span className="tool-summary">{toolSummary("Task", block.input)}</span>
        <span className="muted small">{blocks.length} {blocks.length === 1 ? "step" : "steps"}</span>
        <StatusBadge status={block.status} />
      </button>
      {open && (
        <div className="card-body subagent-thread">
          {blocks.length === 0 ? (
            <p className="muted small">{running ? "Starting…" : "No steps recorded."}</p>
          ) : depth < 4 ? (
            <BlockList blocks={blocks} subagents={subagents} streaming={running} depth={depth + 1} />
          ) : (
            <p className="muted small">Nested too deep to show.</p>
          )}
        </div>
      )}
      {approval && <ApprovalCard key={approval.approvalId} approval={approval} onAnswer={answer} />}
      {block.output && (
        <div className="card-body subagent-output">
          <div className="io-label">Result</div>
          <Markdown text={block.output} />
        </div>
      )}
    </div>
  );
}
