import { describe, expect, it } from "vitest";
import { sessionReducer, orderOf, type SessionAction } from "../src/state/sessionReducer.js";
import { initialSessionState, MAX_RAW_EVENTS, type SessionState } from "../src/state/sessionState.js";
import type { ToolStatus, ToolUseBlock } from "../src/types/blocks.js";
import type { SessionEvent } from "../src/types/events.js";
import { detail, EventFactory, text, timestamp } from "./support/events.js";

function apply(events: SessionEvent[], state: SessionState = initialSessionState("s1")): SessionState {
  return events.reduce((s, event) => sessionReducer(s, { type: "event", event }), state);
}

describe("sessionReducer", () => {
  it("block start appends the block to its conversation and advances the cursor", () => {
    const f = new EventFactory();
    const state = apply([f.make("session:block:start", { conversationId: "main", block: text("b1") })]);
    expect(state.threads.main).toEqual([text("b1")]);
    expect(state.lastSeq).toBe(1);
    expect(state.positions.b1).toEqual({ conversationId: "main", index: 0 });
  });

  it("block deltas append to assistant text and thinking, and leave other blocks alone", () => {
    const f = new EventFactory();
    const state = apply([
      f.make("session:block:start", { conversationId: "main", block: text("t") }),
      f.make("session:block:start", { conversationId: "main", block: { type: "thinking", id: "k", timestamp, content: "" } }),
      f.make("session:block:start", {
        conversationId: "main",
        block: { type: "tool_use", id: "u", timestamp, toolName: "Bash", toolUseId: "tu", input: {}, status: "pending" },
      }),
      f.make("session:block:delta", { conversationId: "main", blockId: "t", delta: "Hel" }),
      f.make("session:block:delta", { conversationId: "main", blockId: "t", delta: "lo" }),
      f.make("session:block:delta", { conversationId: "main", blockId: "k", delta: "hmm" }),
      f.make("session:block:delta", { conversationId: "main", blockId: "u", delta: "ignored" }),
      f.make("session:block:delta", { conversationId: "main", blockId: "unknown", delta: "ignored" }),
    ]);
    expect(state.threads.main?.map((b) => ("content" in b ? b.content : b.type))).toEqual(["Hello", "hmm", "tool_use"]);
    expect(state.lastSeq).toBe(8);
  });

  it("block update merges the changed properties but never the type or id", () => {
    const f = new EventFactory();
    const state = apply([
      f.make("session:block:start", {
        conversationId: "main",
        block: { type: "tool_use", id: "u", timestamp, toolName: "Bash", toolUseId: "tu", input: {}, status: "running" },
      }),
      f.make("session:block:update", { conversationId: "main", blockId: "u", updates: { status: "success", type: "x", id: "y" } }),
    ]);
    expect(state.threads.main?.[0]).toMatchObject({ type: "tool_use", id: "u", status: "success", toolName: "Bash" });
  });

  it("block complete replaces what the deltas built", () => {
    const f = new EventFactory();
    const state = apply([
      f.make("session:block:start", { conversationId: "main", block: text("t") }),
      f.make("session:block:delta", { conversationId: "main", blockId: "t", delta: "partial" }),
      f.make("session:block:complete", { conversationId: "main", blockId: "t", block: { ...text("t", "final text"), model: "m" } }),
    ]);
    expect(state.threads.main).toEqual([{ ...text("t", "final text"), model: "m" }]);
  });

  it("a subagent block opens its own thread, which receives the subagent's blocks", () => {
    const f = new EventFactory();
    const state = apply([
      f.make("session:block:start", {
        conversationId: "main",
        block: { type: "subagent", id: "sa", timestamp, subagentId: "agent-1", input: {}, status: "running", name: "Explore" },
      }),
      f.make("session:block:start", { conversationId: "agent-1", block: text("inner") }),
      f.make("session:block:delta", { conversationId: "agent-1", blockId: "inner", delta: "found it" }),
      f.make("session:metadata:update", { conversationId: "agent-1", metadata: { usage: usage(3, 4), costUSD: 0.1 } }),
    ]);
    expect(state.threadOrder).toEqual(["agent-1"]);
    expect(state.threads["agent-1"]).toEqual([text("inner", "found it")]);
    expect(state.threads.main).toHaveLength(1);
    expect(state.threadMetadata["agent-1"]?.usage.outputTokens).toBe(4);
    expect(state.metadata).toBeUndefined();
  });

  it("metadata of the main conversation replaces the totals", () => {
    const f = new EventFactory();
    const state = apply([
      f.make("session:metadata:update", { conversationId: "main", metadata: { usage: usage(1, 2), costUSD: 0.01 } }),
      f.make("session:metadata:update", { conversationId: "main", metadata: { usage: usage(5, 8), costUSD: 0.02, model: "claude" } }),
    ]);
    expect(state.metadata).toEqual({ usage: usage(5, 8), costUSD: 0.02, model: "claude" });
  });

  it("status updates the runtime and the session item", () => {
    const f = new EventFactory();
    const hydrated = sessionReducer(initialSessionState("s1"), { type: "hydrate", detail: detail() });
    const runtime = { isLoaded: true, sandbox: { sandboxId: "sb", status: "ready" as const, restartCount: 0 } };
    const state = apply([f.make("session:status", { runtime })], hydrated);
    expect(state.runtime).toEqual(runtime);
    expect(state.session?.runtime).toEqual(runtime);
  });

  it("turn started, completed and failed drive the turn state", () => {
    const f = new EventFactory();
    const hydrated = sessionReducer(initialSessionState("s1"), { type: "hydrate", detail: detail() });
    const running = apply([f.make("session:turn:started", { turnId: "t1" })], hydrated);
    expect(running.turn).toEqual({ state: "running", turnId: "t1" });
    expect(running.session?.turnState).toBe("running");
    const done = apply([f.make("session:turn:completed", { turnId: "t1" })], running);
    expect(done.turn).toEqual({ state: "idle", turnId: "t1" });
    const failed = apply([f.make("session:turn:started", { turnId: "t2" }), f.make("session:turn:failed", { turnId: "t2", error: "boom" })], done);
    expect(failed.turn).toEqual({ state: "idle", turnId: "t2", error: "boom" });
    expect(failed.session?.turnState).toBe("idle");
  });

  it("an error event is kept as the last error", () => {
    const f = new EventFactory();
    const state = apply([f.make("error", { message: "sandbox died", code: "sandbox_lost" })]);
    expect(state.lastError).toEqual({ message: "sandbox died", code: "sandbox_lost" });
  });

  it("file events keep the workspace list and the carried text current", () => {
    const f = new EventFactory();
    const created = apply([
      f.make("session:file:created", { path: "b.txt", size: 2, hash: "h1", content: "hi" }),
      f.make("session:file:created", { path: "a.bin", size: 9, hash: "h2" }),
    ]);
    expect(created.workspaceFiles.map((x) => x.path)).toEqual(["a.bin", "b.txt"]);
    expect(created.fileContents).toEqual({ "b.txt": "hi" });

    const modified = apply([f.make("session:file:modified", { path: "b.txt", size: 3, hash: "h3", content: "hey" })], created);
    expect(modified.workspaceFiles.find((x) => x.path === "b.txt")).toMatchObject({ size: 3, hash: "h3" });
    expect(modified.fileContents["b.txt"]).toBe("hey");

    const grown = apply([f.make("session:file:modified", { path: "b.txt", size: 99999, hash: "h4" })], modified);
    expect(grown.fileContents["b.txt"]).toBeUndefined();

    const deleted = apply([f.make("session:file:deleted", { path: "b.txt", size: 0, hash: "" })], grown);
    expect(deleted.workspaceFiles.map((x) => x.path)).toEqual(["a.bin"]);
  });

  it("an event type it does not know still advances the cursor and is kept raw", () => {
    const unknown = { seq: 1, sessionId: "s1", timestamp, type: "session:sandbox:future", path: "a.txt" } as unknown as SessionEvent;
    const state = apply([unknown]);
    expect(state.lastSeq).toBe(1);
    expect(state.events).toEqual([unknown]);
  });

  it("a duplicate event is ignored and returns the same state object", () => {
    const f = new EventFactory();
    const start = f.make("session:block:start", { conversationId: "main", block: text("t") });
    const delta = f.make("session:block:delta", { conversationId: "main", blockId: "t", delta: "once" });
    const state = apply([start, delta]);
    expect(sessionReducer(state, { type: "event", event: delta })).toBe(state);
    expect(sessionReducer(state, { type: "event", event: start })).toBe(state);
    expect(apply([delta, start, delta], state).threads.main).toEqual([text("t", "once")]);
  });

  it("an event past a gap is not applied and records where to resubscribe from", () => {
    const f = new EventFactory();
    const state = apply([
      f.make("session:block:start", { conversationId: "main", block: text("t") }),
      f.make("session:block:delta", { conversationId: "main", blockId: "t", delta: "a" }),
      f.make("session:block:delta", { conversationId: "main", blockId: "t", delta: "c" }, 4),
    ]);
    expect(state.lastSeq).toBe(2);
    expect(state.gap).toEqual({ afterSeq: 2, received: 4 });
    expect(state.threads.main).toEqual([text("t", "a")]);

    const resumed = sessionReducer(state, { type: "resubscribe" });
    expect(resumed.gap).toBeNull();
    const filled = apply(
      [
        f.make("session:block:delta", { conversationId: "main", blockId: "t", delta: "b" }, 3),
        f.make("session:block:delta", { conversationId: "main", blockId: "t", delta: "c" }, 4),
      ],
      resumed,
    );
    expect(filled.threads.main).toEqual([text("t", "abc")]);
    expect(filled.lastSeq).toBe(4);
  });

  it("hydrate seeds blocks, subagents, files and the cursor from the session detail", () => {
    const state = sessionReducer(initialSessionState("s1"), {
      type: "hydrate",
      detail: detail({
        blocks: [text("a", "hi")],
        subagents: [{ id: "agent-1", blocks: [text("b", "sub")] }],
        workspaceFiles: [{ path: "x.txt", size: 1, hash: "h", modifiedAt: timestamp }],
        metadata: { usage: usage(1, 1), costUSD: 0 },
        turnState: "running",
        lastSeq: 17,
      }),
    });
    expect(state).toMatchObject({ lastSeq: 17, hydrated: true, threadOrder: ["agent-1"], turn: { state: "running" } });
    expect(state.positions.b).toEqual({ conversationId: "agent-1", index: 0 });
    expect(state.workspaceFiles).toHaveLength(1);
    expect(state.session?.sessionId).toBe("s1");
    expect(state.session).not.toHaveProperty("blocks");
  });

  it("hydrate older than the events applied keeps the events' state", () => {
    const f = new EventFactory();
    const state = apply([f.make("session:block:start", { conversationId: "main", block: text("t", "new") })]);
    const after = sessionReducer(state, { type: "hydrate", detail: detail({ lastSeq: 0, blocks: [] }) });
    expect(after.threads.main).toEqual([text("t", "new")]);
    expect(after.lastSeq).toBe(1);
  });

  it("keeps only the newest raw events", () => {
    const f = new EventFactory();
    const events = Array.from({ length: MAX_RAW_EVENTS + 5 }, () => f.make("session:turn:started", { turnId: "t" }));
    const state = apply(events);
    expect(state.events).toHaveLength(MAX_RAW_EVENTS);
    expect(state.events[0]?.seq).toBe(6);
    expect(state.lastSeq).toBe(MAX_RAW_EVENTS + 5);
  });

  it("an approval request is pending until resolved, and the running turn waits for it meanwhile", () => {
    const f = new EventFactory();
    const hydrated = sessionReducer(initialSessionState("s1"), { type: "hydrate", detail: detail() });
    const asked = apply(
      [
        f.make("session:turn:started", { turnId: "t1" }),
        f.make("session:block:start", { conversationId: "main", block: bash("u", "running") }),
        f.make("session:block:update", { conversationId: "main", blockId: "u", updates: { status: "awaiting_approval" } }),
        f.make("session:approval:requested", approval("a1")),
      ],
      hydrated,
    );
    expect(asked.approvals.map((a) => a.approvalId)).toEqual(["a1"]);
    expect(asked.turn).toEqual({ state: "awaiting_approval", turnId: "t1" });
    expect(asked.session?.turnState).toBe("awaiting_approval");
    expect(asked.threads.main?.[0]).toMatchObject({ status: "awaiting_approval" });

    const second = apply([f.make("session:approval:requested", approval("a2"))], asked);
    const one = apply([f.make("session:approval:resolved", { approvalId: "a1", decision: "allow", by: "key1", remember: false })], second);
    expect(one.approvals.map((a) => a.approvalId)).toEqual(["a2"]);
    expect(one.turn.state).toBe("awaiting_approval");

    const none = apply(
      [
        f.make("session:approval:resolved", { approvalId: "a2", decision: "deny", by: "key1", message: "no", remember: false }),
        f.make("session:block:update", { conversationId: "main", blockId: "u", updates: { status: "running" } }),
      ],
      one,
    );
    expect(none.approvals).toEqual([]);
    expect(none.turn).toEqual({ state: "running", turnId: "t1" });
    expect(none.session?.turnState).toBe("running");
  });

  it("a resolution of an approval it does not hold changes nothing but the cursor", () => {
    const f = new EventFactory();
    const asked = apply([f.make("session:approval:requested", approval("a1"))]);
    const after = apply([f.make("session:approval:resolved", { approvalId: "other", decision: "deny", by: "timeout", remember: false })], asked);
    expect(after.approvals).toBe(asked.approvals);
    expect(after.lastSeq).toBe(2);
  });

  it("a request logged again is shown once", () => {
    const f = new EventFactory();
    const state = apply([f.make("session:approval:requested", approval("a1")), f.make("session:approval:requested", { ...approval("a1"), toolName: "Write" })]);
    expect(state.approvals.map((a) => [a.approvalId, a.toolName])).toEqual([["a1", "Write"]]);
  });

  it("hydrate seeds the pending approvals and the options, and a running turn with one pending waits for it", () => {
    const f = new EventFactory();
    const pending = { ...f.make("session:approval:requested", approval("a1")), seq: 4 };
    const options = { model: "claude-x", permissionMode: "ask" as const, allowedTools: ["Read"] };
    const state = sessionReducer(initialSessionState("s1"), {
      type: "hydrate",
      detail: detail({ turnState: "running", lastSeq: 5, pendingApprovals: [pending], options }),
    });
    expect(state.approvals).toEqual([pending]);
    expect(state.options).toEqual(options);
    expect(state.turn.state).toBe("awaiting_approval");
    expect(state.session?.turnState).toBe("awaiting_approval");
    expect(state.session).not.toHaveProperty("pendingApprovals");
    expect(state.session).not.toHaveProperty("options");

    // A server that predates approvals sends neither.
    const old = sessionReducer(initialSessionState("s1"), { type: "hydrate", detail: detail({ turnState: "running", lastSeq: 1 }) });
    expect(old).toMatchObject({ approvals: [], options: undefined, turn: { state: "running" } });
  });

  it("an options update replaces the options", () => {
    const f = new EventFactory();
    const state = apply([
      f.make("session:options:update", { options: { model: "m1", allowedTools: [] } }),
      f.make("session:options:update", { options: { permissionMode: "ask", allowedTools: ["Bash"] } }),
    ]);
    expect(state.options).toEqual({ permissionMode: "ask", allowedTools: ["Bash"] });
  });

  it("an interrupted turn ends idle with its stop reason, and the next turn starts without it", () => {
    const f = new EventFactory();
    const stopped = apply([f.make("session:turn:started", { turnId: "t1" }), f.make("session:turn:completed", { turnId: "t1", stopReason: "interrupted" })]);
    expect(stopped.turn).toEqual({ state: "idle", turnId: "t1", stopReason: "interrupted" });
    expect(apply([f.make("session:turn:started", { turnId: "t2" })], stopped).turn).toEqual({ state: "running", turnId: "t2" });
  });

  it("text and thinking blocks stream from their start to their completion or their turn's end", () => {
    const f = new EventFactory();
    const state = apply([
      f.make("session:turn:started", { turnId: "t1" }),
      f.make("session:block:start", { conversationId: "main", block: text("a") }),
      f.make("session:block:start", { conversationId: "main", block: { type: "thinking", id: "k", timestamp, content: "" } }),
      f.make("session:block:start", { conversationId: "main", block: bash("u", "pending") }),
      f.make("session:block:start", { conversationId: "agent-1", block: text("inner") }),
    ]);
    expect(state.streamingBlocks).toEqual({ a: "main", k: "main", inner: "agent-1" });
    const completed = apply([f.make("session:block:complete", { conversationId: "main", blockId: "a", block: text("a", "done") })], state);
    expect(completed.streamingBlocks).toEqual({ k: "main", inner: "agent-1" });
    const ended = apply([f.make("session:turn:completed", { turnId: "t1", stopReason: "interrupted" })], completed);
    expect(ended.streamingBlocks).toEqual({});
  });

  it("clearEvents forgets the raw events but not the cursor or the blocks", () => {
    const f = new EventFactory();
    const state = apply([f.make("session:block:start", { conversationId: "main", block: text("t", "x") })]);
    const cleared = sessionReducer(state, { type: "clearEvents" });
    expect(cleared.events).toEqual([]);
    expect(cleared.lastSeq).toBe(1);
    expect(cleared.threads.main).toEqual([text("t", "x")]);
    expect(sessionReducer(cleared, { type: "clearEvents" })).toBe(cleared);
    expect(apply([f.make("session:turn:started", { turnId: "t" })], cleared).events.map((e) => e.seq)).toEqual([2]);
  });

  it("orderOf classifies against the cursor", () => {
    expect([orderOf(5, 5), orderOf(5, 3), orderOf(5, 6), orderOf(5, 8)]).toEqual(["duplicate", "duplicate", "next", "gap"]);
  });

  it("connection and files actions set what they name", () => {
    const actions: SessionAction[] = [
      { type: "connection", connection: "ended", deleted: true },
      { type: "files", files: [{ path: "f", size: 2, hash: "h", modifiedAt: timestamp }] },
    ];
    const state = actions.reduce(sessionReducer, initialSessionState("s1"));
    expect(state).toMatchObject({ connection: "ended", deleted: true, workspaceFiles: [{ path: "f" }] });
  });
});

function bash(id: string, status: ToolStatus): ToolUseBlock {
  return { type: "tool_use", id, timestamp, toolName: "Bash", toolUseId: `tu-${id}`, input: { command: "ls" }, status };
}

function approval(approvalId: string) {
  return { approvalId, turnId: "t1", conversationId: "main", blockId: "u", toolUseId: "tu-u", toolName: "Bash", input: { command: "ls" }, options: [] };
}

function usage(inputTokens: number, outputTokens: number) {
  return { inputTokens, outputTokens, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 };
}
