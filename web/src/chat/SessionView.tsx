import { useAgentSession, useEvents, useMessages, useSubagents, type ConversationBlock } from "@agent-runtime/react";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { architectureLabel, sessionTitle } from "../app/format";
import { navigate } from "../app/router";
import { FilePanel } from "../files/FilePanel";
import { StatusChips } from "../sessions/StatusChips";
import { ApprovalCard } from "./ApprovalCard";
import { ApprovalsContext, placeApprovals } from "./approvals";
import { BlockList, currentProgress } from "./BlockList";
import { Composer } from "./Composer";
import { SessionSettings } from "./SessionSettings";
import { UsageBar } from "./UsageBar";

/** Whether the conversation already shows the error inline, as an error block does for a failed turn. */
function shownInline(blocks: ConversationBlock[], error: string): boolean {
  return blocks.some((block) => block.type === "error" && (block.message === error || error.includes(block.message)));
}

/** A session: its conversation streaming in, the message box, usage, and the workspace beside it. */
export function SessionView({ sessionId }: { sessionId: string }) {
  const { session, status, error: sessionError, destroySession, interrupt, approvals, answerApproval, options, updateSessionOptions } =
    useAgentSession(sessionId);
  const { blocks, metadata, isStreaming, stopReason, error, sendMessage } = useMessages(sessionId);
  const { subagents } = useSubagents(sessionId);
  const { connection, connectionError } = useEvents(sessionId);
  const [tab, setTab] = useState<"chat" | "files">("chat");
  const subagentMap = useMemo(() => new Map(subagents.map((s) => [s.id, s])), [subagents]);

  // Follow the conversation as it grows, unless the reader has scrolled up to read.
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useLayoutEffect(() => {
    const element = scroller.current;
    if (element && stick.current) element.scrollTop = element.scrollHeight;
  }, [blocks, isStreaming]);
  const placed = useMemo(() => placeApprovals(approvals, blocks), [approvals, blocks]);
  const approvalsContext = useMemo(() => ({ byBlock: placed.byBlock, answer: answerApproval }), [placed.byBlock, answerApproval]);

  // Esc stops the running turn from anywhere in the page, except where Esc means something of its own: a field being
  // edited (the model name, an approval's input) or an open dialog.
  const stopRef = useRef(interrupt);
  stopRef.current = interrupt;
  useEffect(() => {
    if (!isStreaming) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || event.defaultPrevented || event.isComposing) return;
      const target = event.target instanceof Element ? event.target : null;
      if (target?.closest("[data-approval], input, select, dialog")) return;
      event.preventDefault();
      stopRef.current().catch(() => undefined);
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [isStreaming]);

  const onScroll = () => {
    const element = scroller.current;
    if (element) stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < 80;
  };

  if (status === "deleted") {
    return (
      <div className="page">
        <p className="notice">This session was deleted.</p>
      </div>
    );
  }
  if (status === "error" && !session) {
    return (
      <div className="page">
        <p className="notice notice-error" data-testid="session-error">{sessionError}</p>
      </div>
    );
  }

  const progress = isStreaming ? currentProgress(blocks) : undefined;
  const sandboxStarting = session?.runtime?.sandbox?.status === "starting";
  const remove = async () => {
    if (!window.confirm("Delete this session, its sandbox and all its files?")) return;
    await destroySession().catch(() => undefined);
    navigate("/", true);
  };

  return (
    <div className={`session tab-${tab}`} data-testid="session-view" data-session-id={sessionId}>
      <header className="session-header">
        <div className="session-heading">
          <h1 className="session-title">{sessionTitle(session, sessionId)}</h1>
          <div className="session-meta">
            {session && (
              <span className="muted small">
                {architectureLabel[session.architecture] ?? session.architecture} · {session.agentProfileRef}
                {session.agentProfileVersion !== undefined && <span data-testid="session-profile-version"> v{session.agentProfileVersion}</span>}
              </span>
            )}
            {session && <StatusChips session={session} />}
          </div>
        </div>
        <SessionSettings options={options} busy={isStreaming} onChange={updateSessionOptions} />
        <div className="session-actions">
          <UsageBar metadata={metadata} />
          <button type="button" className="button small ghost danger" onClick={remove} title="Delete this session">
            Delete
          </button>
        </div>
        <div className="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={tab === "chat"} className={tab === "chat" ? "active" : ""} onClick={() => setTab("chat")}>
            Chat
          </button>
          <button type="button" role="tab" aria-selected={tab === "files"} className={tab === "files" ? "active" : ""} onClick={() => setTab("files")} data-testid="files-tab">
            Files
          </button>
        </div>
      </header>

      <div className="session-body">
        <div className="chat">
          {connection === "ended" && connectionError && (
            <div className="notice notice-warn banner">
              Live updates stopped: {connectionError}{" "}
              <button type="button" className="button small" onClick={() => window.location.reload()}>
                Reload
              </button>
            </div>
          )}
          <div className="conversation" ref={scroller} onScroll={onScroll} data-testid="conversation">
            {status === "loading" && blocks.length === 0 ? (
              <p className="muted pad">Loading the conversation…</p>
            ) : blocks.length === 0 ? (
              <div className="empty">
                <p>Send a message to start.</p>
                <p className="muted small">The agent's sandbox starts with the first message; its files appear on the right.</p>
              </div>
            ) : (
              <ApprovalsContext.Provider value={approvalsContext}>
                <BlockList blocks={blocks} subagents={subagentMap} streaming={isStreaming} />
              </ApprovalsContext.Provider>
            )}
            {placed.loose.length > 0 && (
              <div className="loose-approvals" data-testid="loose-approvals">
                {placed.loose.map((approval) => (
                  <ApprovalCard key={approval.approvalId} approval={approval} onAnswer={answerApproval} />
                ))}
              </div>
            )}
            {sandboxStarting && (
              <div className="progress-note" data-testid="sandbox-starting" role="status">
                <div className="progress-bar" aria-hidden="true">
                  <span />
                </div>
                Starting the sandbox — restoring the workspace and starting the agent…
              </div>
            )}
            {isStreaming && !sandboxStarting && (
              <div className="working" data-testid="working">
                <span className="dots" aria-hidden="true">
                  <span />
                  <span />
                  <span />
                </span>
                {approvals.length > 0 ? (
                  "Waiting for your answer"
                ) : (
                  <>Working{progress ? <span className="working-detail"> · {progress}</span> : null}</>
                )}
              </div>
            )}
            {!isStreaming && stopReason === "interrupted" && (
              <p className="notice stopped-note" data-testid="turn-stopped">
                Stopped.
              </p>
            )}
            {error && !isStreaming && !shownInline(blocks, error) && (
              <p className="notice notice-error" data-testid="turn-error">
                {error}
              </p>
            )}
          </div>
          <Composer busy={isStreaming} onSend={sendMessage} onStop={interrupt} />
        </div>
        <aside className="side">
          <FilePanel sessionId={sessionId} />
        </aside>
      </div>
    </div>
  );
}
