import type { ConversationBlock } from "../types/blocks.js";
import { MAIN_CONVERSATION, type SessionEvent } from "../types/events.js";
import type { SessionDetail, WorkspaceFileInfo } from "../types/sessions.js";
import { MAX_RAW_EVENTS, type ConnectionState, type SessionState } from "./sessionState.js";

/** What can happen to a session's state. */
export type SessionAction =
  | { type: "event"; event: SessionEvent }
  | { type: "hydrate"; detail: SessionDetail }
  | { type: "resubscribe" }
  | { type: "connection"; connection: ConnectionState; error?: string; deleted?: boolean }
  | { type: "files"; files: WorkspaceFileInfo[] }
  | { type: "clearEvents" };

/** How an event relates to the cursor: the next one, one already applied, or one past a gap. */
export type EventOrder = "next" | "duplicate" | "gap";

/** Classifies an event against the last applied seq. */
export function orderOf(lastSeq: number, seq: number): EventOrder {
  if (seq <= lastSeq) return "duplicate";
  return seq === lastSeq + 1 ? "next" : "gap";
}

/**
 * Applies an action to a session's state, returning a new state (or the same object when nothing changed).
 * Events are applied once each, in seq order, by the rules of the server's `ConversationProjection`: a seq already
 * applied is ignored, and a seq past `lastSeq + 1` is not applied but recorded in `gap`, so the subscriber
 * restarts after `lastSeq` and gets the missed events first.
 */
export function sessionReducer(state: SessionState, action: SessionAction): SessionState {
  switch (action.type) {
    case "event":
      return applyEvent(state, action.event);
    case "hydrate":
      return hydrate(state, action.detail);
    case "resubscribe":
      return { ...state, gap: null, connection: state.connection === "idle" ? "connecting" : "reconnecting" };
    case "connection":
      return { ...state, connection: action.connection, connectionError: action.error, deleted: action.deleted ?? state.deleted };
    case "files":
      return { ...state, workspaceFiles: action.files };
    case "clearEvents":
      return state.events.length === 0 ? state : { ...state, events: [] };
  }
}

function applyEvent(state: SessionState, event: SessionEvent): SessionState {
  const order = orderOf(state.lastSeq, event.seq);
  if (order === "duplicate") return state;
  if (order === "gap") {
    return state.gap ? state : { ...state, gap: { afterSeq: state.lastSeq, received: event.seq } };
  }

  const events = state.events.length >= MAX_RAW_EVENTS ? [...state.events.slice(1 - MAX_RAW_EVENTS), event] : [...state.events, event];
  const base: SessionState = {
    ...state,
    lastSeq: event.seq,
    events,
    connection: "live",
    session: state.session ? { ...state.session, lastActivity: event.timestamp } : undefined,
  };
  switch (event.type) {
    case "session:block:start": {
      const started = upsert(base, event.conversationId, event.block);
      return event.block.type === "assistant_text" || event.block.type === "thinking"
        ? { ...started, streamingBlocks: { ...started.streamingBlocks, [event.block.id]: event.conversationId } }
        : started;
    }
    case "session:block:complete": {
      const completed = upsert(base, event.conversationId, event.block);
      if (!(event.blockId in completed.streamingBlocks) && !(event.block.id in completed.streamingBlocks)) return completed;
      const { [event.blockId]: _done, [event.block.id]: _same, ...streamingBlocks } = completed.streamingBlocks;
      return { ...completed, streamingBlocks };
    }
    case "session:block:delta":
      return updateBlock(base, event.blockId, (block) =>
        block.type === "assistant_text" || block.type === "thinking" ? { ...block, content: block.content + event.delta } : block,
      );
    case "session:block:update":
      return updateBlock(base, event.blockId, (block) => {
        const { type: _type, id: _id, ...updates } = event.updates;
        return { ...block, ...updates } as ConversationBlock;
      });
    case "session:metadata:update":
      return event.conversationId === MAIN_CONVERSATION
        ? { ...base, metadata: event.metadata }
        : { ...base, threadMetadata: { ...base.threadMetadata, [event.conversationId]: event.metadata } };
    case "session:status":
      return { ...base, runtime: event.runtime, session: base.session ? { ...base.session, runtime: event.runtime } : undefined };
    case "session:turn:started":
      return withTurn(base, { state: base.approvals.length > 0 ? "awaiting_approval" : "running", turnId: event.turnId });
    case "session:turn:completed":
      return withTurn(
        { ...base, streamingBlocks: {} },
        event.stopReason === undefined ? { state: "idle", turnId: event.turnId } : { state: "idle", turnId: event.turnId, stopReason: event.stopReason },
      );
    case "session:turn:failed":
      return withTurn({ ...base, streamingBlocks: {} }, { state: "idle", turnId: event.turnId, error: event.error });
    case "session:approval:requested": {
      // A request logged again (it cannot be, but a replay must not show it twice) replaces the first.
      const approvals = [...base.approvals.filter((a) => a.approvalId !== event.approvalId), event];
      return withApprovals(base, approvals);
    }
    case "session:approval:resolved": {
      const approvals = base.approvals.filter((a) => a.approvalId !== event.approvalId);
      return approvals.length === base.approvals.length ? base : withApprovals(base, approvals);
    }
    case "session:options:update":
      return { ...base, options: event.options };
    case "session:file:created":
    case "session:file:modified": {
      const file = { path: event.path, size: event.size, hash: event.hash, modifiedAt: event.timestamp };
      const others = base.workspaceFiles.filter((f) => f.path !== event.path);
      const { [event.path]: _old, ...contents } = base.fileContents;
      return {
        ...base,
        workspaceFiles: [...others, file].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
        fileContents: event.content === undefined ? contents : { ...contents, [event.path]: event.content },
      };
    }
    case "session:file:deleted": {
      const { [event.path]: _gone, ...contents } = base.fileContents;
      return { ...base, workspaceFiles: base.workspaceFiles.filter((f) => f.path !== event.path), fileContents: contents };
    }
    case "error":
      return { ...base, lastError: event.code === undefined ? { message: event.message } : { message: event.message, code: event.code } };
    default:
      // An event type newer than this package: its seq still counts, and useEvents shows it.
      return base;
  }
}

/** The pending approvals, and the turn state they imply: a running turn with one pending waits for a person. */
function withApprovals(state: SessionState, approvals: SessionState["approvals"]): SessionState {
  const next = { ...state, approvals };
  const { turn } = state;
  if (turn.state === "idle") return next;
  const turnState = approvals.length > 0 ? "awaiting_approval" : "running";
  return turnState === turn.state ? next : withTurn(next, { ...turn, state: turnState });
}

function withTurn(state: SessionState, turn: SessionState["turn"]): SessionState {
  return { ...state, turn, session: state.session ? { ...state.session, turnState: turn.state } : undefined };
}

function upsert(state: SessionState, conversationId: string, block: ConversationBlock): SessionState {
  const existing = state.positions[block.id];
  if (existing) return replaceAt(state, existing.conversationId, existing.index, block);

  let threads = state.threads;
  let threadOrder = state.threadOrder;
  const ensureThread = (id: string) => {
    if (threads[id]) return;
    threads = { ...threads, [id]: [] };
    if (id !== MAIN_CONVERSATION) threadOrder = [...threadOrder, id];
  };
  ensureThread(conversationId);
  const thread = threads[conversationId] ?? [];
  threads = { ...threads, [conversationId]: [...thread, block] };
  if (block.type === "subagent") ensureThread(block.subagentId);
  return {
    ...state,
    threads,
    threadOrder,
    positions: { ...state.positions, [block.id]: { conversationId, index: thread.length } },
  };
}

function updateBlock(state: SessionState, blockId: string, change: (block: ConversationBlock) => ConversationBlock): SessionState {
  const position = state.positions[blockId];
  const block = position && state.threads[position.conversationId]?.[position.index];
  if (!position || !block) return state;
  const changed = change(block);
  return changed === block ? state : replaceAt(state, position.conversationId, position.index, changed);
}

function replaceAt(state: SessionState, conversationId: string, index: number, block: ConversationBlock): SessionState {
  const thread = [...(state.threads[conversationId] ?? [])];
  thread[index] = block;
  return { ...state, threads: { ...state.threads, [conversationId]: thread } };
}

function hydrate(state: SessionState, detail: SessionDetail): SessionState {
  // A detail older than what the events already built would take the state back; the events win.
  if (detail.lastSeq < state.lastSeq) return { ...state, hydrated: true, workspaceFiles: detail.workspaceFiles };

  const { blocks, subagents, workspaceFiles, metadata, lastSeq, pendingApprovals, options, ...listed } = detail;
  const approvals = pendingApprovals ?? [];
  // The same rule as the events': a running turn with an approval pending waits for a person.
  const turnState = listed.turnState === "running" && approvals.length > 0 ? "awaiting_approval" : listed.turnState;
  const session = { ...listed, turnState };
  const threads: SessionState["threads"] = { main: blocks };
  const positions: SessionState["positions"] = {};
  blocks.forEach((block, index) => (positions[block.id] = { conversationId: MAIN_CONVERSATION, index }));
  for (const thread of subagents) {
    threads[thread.id] = thread.blocks;
    thread.blocks.forEach((block, index) => (positions[block.id] = { conversationId: thread.id, index }));
  }
  return {
    ...state,
    lastSeq,
    hydrated: true,
    session,
    threads,
    threadOrder: subagents.map((thread) => thread.id),
    positions,
    metadata,
    runtime: detail.runtime,
    turn: { state: turnState },
    approvals,
    options: options ?? state.options,
    // Which blocks were still growing at the detail's seq is not in it; the turn's end or their completion says.
    streamingBlocks: turnState === "idle" ? {} : state.streamingBlocks,
    workspaceFiles,
    gap: null,
  };
}
