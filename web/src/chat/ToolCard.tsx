import type { JsonValue, ToolResultBlock, ToolStatus, ToolUseBlock } from "@agent-runtime/react";
import { useState } from "react";
import { formatDuration } from "../app/format";
import { ApprovalCard } from "./ApprovalCard";
import { useApprovals } from "./approvals";

const statusLabels: Record<ToolStatus, string> = {
  pending: "Pending",
  awaiting_approval: "Needs approval",
  running: "Running",
  success: "Done",
  error: "Failed",
};

/** The one line that says what a call does: the command, the file, the pattern. */
export function toolSummary(toolName: string, input: JsonValue): string {
  if (!input || typeof input !== "object" || Array.isArray(input)) return "";
  const pick = (...keys: string[]) => {
    for (const key of keys) {
      const value = input[key];
      if (typeof value === "string" && value) return value;
    }
    return undefined;
  };
  const preferred: Record<string, string[]> = {
    Bash: ["command"],
    Read: ["file_path", "path"],
    Write: ["file_path", "path"],
    Edit: ["file_path", "path"],
    MultiEdit: ["file_path", "path"],
    NotebookEdit: ["notebook_path"],
    Glob: ["pattern"],
    Grep: ["pattern"],
    WebFetch: ["url"],
    WebSearch: ["query"],
    Task: ["description", "prompt"],
    TodoWrite: [],
  };
  const found = pick(...(preferred[toolName] ?? []), "description", "command", "file_path", "path", "pattern", "query", "url");
  if (found) return found;
  const first = Object.values(input).find((v) => typeof v === "string");
  return typeof first === "string" ? first : "";
}

export function StatusBadge({ status }: { status: ToolStatus }) {
  return (
    <span className={`status status-${status}`} data-testid="tool-status" data-status={status}>
      {status === "running" || status === "pending" ? <span className="spinner" aria-hidden="true" /> : null}
      {status === "awaiting_approval" && <span aria-hidden="true">?</span>}
      {status === "success" && <span aria-hidden="true">✓</span>}
      {status === "error" && <span aria-hidden="true">✕</span>}
      {statusLabels[status] ?? status}
    </span>
  );
}

/** A tool call: name, what it does, its status; opened, its full input and what it returned. */
export function ToolCard({ block, result }: { block: ToolUseBlock; result: ToolResultBlock | undefined }) {
  const failed = block.status === "error" || result?.isError === true;
  const [open, setOpen] = useState(failed);
  const summary = toolSummary(block.toolName, block.input);
  const status: ToolStatus = result?.isError && block.status === "success" ? "error" : block.status;
  const { byBlock, answer } = useApprovals();
  const approval = byBlock.get(block.id);
  return (
    <div className={`card tool-card tool-${status}`} data-testid="tool-card" data-tool={block.toolName} data-status={status}>
      <button type="button" className="card-header" onClick={() => setOpen(!open)} aria-expanded={open}>
        <span className="chevron" aria-hidden="true">{open ? "▾" : "▸"}</span>
        <span className="tool-name">{block.toolName}</span>
        <code className="tool-summary" title={summary}>{summary}</code>
        {result?.durationMs !== undefined && <span className="muted small">{formatDuration(result.durationMs)}</span>}
        <StatusBadge status={status} />
      </button>
      {open && (
        <div className="card-body">
          <div className="io-label">Input</div>
          <pre className="io" data-testid="tool-input">{JSON.stringify(block.input, null, 2)}</pre>
          <div className="io-label">{result?.isError ? "Error" : "Output"}</div>
          {result ? (
            <pre className={`io${result.isError ? " io-error" : ""}`} data-testid="tool-output">
              {result.output || <span className="muted">(no output)</span>}
            </pre>
          ) : (
            <p className="muted small">{block.status === "error" ? "The call did not finish." : "Waiting for the result…"}</p>
          )}
        </div>
      )}
      {approval && <ApprovalCard key={approval.approvalId} approval={approval} onAnswer={answer} />}
    </div>
  );
}
