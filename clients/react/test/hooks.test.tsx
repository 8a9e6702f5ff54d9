// @vitest-environment jsdom
import { act, cleanup, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AgentServiceProvider,
  useAgentSession,
  useEvents,
  useMessages,
  useSessionList,
  useSubagents,
  useWorkspaceFiles,
  type SessionDetail,
  type SessionListItem,
} from "../src/index.js";
import { globToRegExp } from "../src/hooks/useWorkspaceFiles.js";
import { detail, EventFactory, text, timestamp } from "./support/events.js";
import { FakeHub } from "./support/FakeHub.js";

afterEach(() => cleanup());

interface Request {
  method: string;
  path: string;
  body: unknown;
}

/** A fetch for one session's REST calls: the detail as `server.detail` says, and canned answers for the control calls. */
function fakeServer(initial: SessionDetail) {
  const server = {
    detail: initial,
    list: [] as SessionListItem[],
    requests: [] as Request[],
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(String(input));
      const method = init?.method ?? "GET";
      const body = typeof init?.body === "string" ? JSON.parse(init.body) : undefined;
      server.requests.push({ method, path: url.pathname, body });
      const answer = (status: number, value: unknown) =>
        new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
      if (url.pathname === "/api/sessions") return answer(200, { sessions: server.list, nextCursor: null });
      if (method === "GET") return answer(200, server.detail);
      if (url.pathname.endsWith("/interrupt")) return answer(202, { turnId: "t1" });
      if (url.pathname.endsWith("/messages")) return answer(202, { turnId: "t2" });
      if (url.pathname.endsWith("/options")) return answer(200, { ...body, allowedTools: [] });
      if (url.pathname.includes("/approvals/")) {
        return answer(200, { seq: 99, sessionId: "s1", timestamp, type: "session:approval:resolved", approvalId: url.pathname.split("/").pop(), decision: body.decision, by: "k", remember: false });
      }
      return answer(404, { title: "Not Found", status: 404 });
    }) as typeof fetch,
  };
  return server;
}

function setup(initial: SessionDetail) {
  const hub = new FakeHub();
  const server = fakeServer(initial);
  const wrapper = ({ children }: { children: ReactNode }) => (
    <AgentServiceProvider apiUrl="http://runtime.test" hubUrl="http://runtime.test/hubs/sessions" transport={hub} fetch={server.fetch} notifyIntervalMs={0}>
      {children}
    </AgentServiceProvider>
  );
  return { hub, server, wrapper };
}

const approvalPayload = (approvalId: string) => ({
  approvalId,
  turnId: "t1",
  conversationId: "main",
  blockId: "u",
  toolName: "Bash",
  input: { command: "sleep 5" },
  options: [],
});
const pending = (approvalId: string, seq: number) => ({ seq, sessionId: "s1", timestamp, type: "session:approval:requested" as const, ...approvalPayload(approvalId) });

describe("useAgentSession control of a running agent", () => {
  let f: EventFactory;
  beforeEach(() => {
    f = new EventFactory();
  });

  it("shows the pending approvals from the detail, then from events, and answers them over REST", async () => {
    for (let i = 0; i < 3; i++) f.make("session:turn:started", { turnId: "t1" });
    const { hub, server, wrapper } = setup(detail({ turnState: "running", lastSeq: 3, pendingApprovals: [pending("a1", 3)] }));
    const { result } = renderHook(() => useAgentSession("s1"), { wrapper });
    await waitFor(() => expect(result.current.approvals.map((a) => a.approvalId)).toEqual(["a1"]));
    expect(result.current.status).toBe("running");
    expect(result.current.session?.turnState).toBe("awaiting_approval");
    await waitFor(() => expect(hub.sessionStreams).toHaveLength(1));
    expect(hub.current.afterSeq).toBe(3);

    act(() => hub.push(f.make("session:approval:requested", approvalPayload("a2"))));
    await waitFor(() => expect(result.current.approvals.map((a) => a.approvalId)).toEqual(["a1", "a2"]));

    let resolved: unknown;
    await act(async () => {
      resolved = await result.current.answerApproval("a1", { decision: "allow", updatedInput: { command: "sleep 1" }, remember: "session" });
    });
    expect(resolved).toMatchObject({ type: "session:approval:resolved", approvalId: "a1", decision: "allow" });
    expect(server.requests.at(-1)).toEqual({
      method: "POST",
      path: "/api/sessions/s1/approvals/a1",
      body: { decision: "allow", updatedInput: { command: "sleep 1" }, remember: "session" },
    });
    // The approval leaves the list when its resolution is logged, not when the answer was sent.
    expect(result.current.approvals).toHaveLength(2);
    act(() => hub.push(f.make("session:approval:resolved", { approvalId: "a1", decision: "allow", by: "k", remember: true })));
    await waitFor(() => expect(result.current.approvals.map((a) => a.approvalId)).toEqual(["a2"]));
    act(() => hub.push(f.make("session:approval:resolved", { approvalId: "a2", decision: "deny", by: "interrupt", remember: false })));
    await waitFor(() => expect(result.current.session?.turnState).toBe("running"));
    expect(result.current.approvals).toEqual([]);
  });

  it("interrupts the turn, sets options, reads the runtime and syncs the session", async () => {
    const { hub, server, wrapper } = setup(detail({ options: { allowedTools: [] }, runtime: { isLoaded: true, sandbox: null } }));
    const { result } = renderHook(() => useAgentSession("s1"), { wrapper });
    await waitFor(() => expect(result.current.status).toBe("ready"));
    expect(result.current.options).toEqual({ allowedTools: [] });
    expect(result.current.runtime).toEqual({ isLoaded: true, sandbox: null });

    await act(async () => {
      expect(await result.current.interrupt()).toBe("t1");
    });
    expect(server.requests.at(-1)).toMatchObject({ method: "POST", path: "/api/sessions/s1/interrupt" });

    await act(async () => {
      expect(await result.current.updateSessionOptions({ model: "claude-y", permissionMode: "ask" })).toEqual({ model: "claude-y", permissionMode: "ask", allowedTools: [] });
    });
    expect(server.requests.at(-1)).toEqual({ method: "PATCH", path: "/api/sessions/s1/options", body: { model: "claude-y", permissionMode: "ask" } });
    act(() => hub.push(f.make("session:options:update", { options: { model: "claude-y", permissionMode: "ask", allowedTools: [] } })));
    await waitFor(() => expect(result.current.options?.permissionMode).toBe("ask"));

    const sandbox = { sandboxId: "sb1", status: "ready" as const, restartCount: 0 };
    act(() => hub.push(f.make("session:status", { runtime: { isLoaded: true, sandbox } })));
    await waitFor(() => expect(result.current.runtime?.sandbox).toEqual(sandbox));

    // A detail newer than the events the client applied replaces what they built.
    server.detail = detail({ lastSeq: 10, blocks: [text("b", "from the server")], options: { model: "z", allowedTools: ["Read"] } });
    await act(() => result.current.syncSession());
    expect(result.current.options).toEqual({ model: "z", allowedTools: ["Read"] });
    const { result: messages } = renderHook(() => useMessages("s1"), { wrapper });
    await waitFor(() => expect(messages.current.blocks).toEqual([text("b", "from the server")]));
  });

  it("without a session the control calls reject", async () => {
    const { wrapper } = setup(detail());
    const { result } = renderHook(() => useAgentSession(), { wrapper });
    await waitFor(() => expect(result.current.status).toBe("none"));
    await expect(result.current.interrupt()).rejects.toThrow(/no session/);
    await expect(result.current.answerApproval("a", { decision: "deny" })).rejects.toThrow(/no session/);
    expect(result.current.approvals).toEqual([]);
  });
});

describe("the seed's hook helpers", () => {
  it("useMessages: streaming block ids, and messages with images sent as parts", async () => {
    const f = new EventFactory();
    const { hub, server, wrapper } = setup(detail());
    const { result } = renderHook(() => useMessages("s1"), { wrapper });
    await waitFor(() => expect(hub.sessionStreams).toHaveLength(1));
    act(() =>
      hub.push(
        f.make("session:turn:started", { turnId: "t1" }),
        f.make("session:block:start", { conversationId: "main", block: text("a") }),
        f.make("session:block:start", { conversationId: "agent-1", block: text("inner") }),
        f.make("session:block:delta", { conversationId: "main", blockId: "a", delta: "Hi" }),
      ),
    );
    await waitFor(() => expect([...result.current.streamingBlockIds]).toEqual(["a"]));
    expect(result.current.isStreaming).toBe(true);
    act(() => hub.push(f.make("session:block:complete", { conversationId: "main", blockId: "a", block: text("a", "Hi") })));
    await waitFor(() => expect(result.current.streamingBlockIds.size).toBe(0));
    expect(result.current.stopReason).toBeUndefined();
    act(() => hub.push(f.make("session:turn:completed", { turnId: "t1", stopReason: "interrupted" })));
    await waitFor(() => expect(result.current.isStreaming).toBe(false));
    expect(result.current.stopReason).toBe("interrupted");

    const parts = [
      { type: "text" as const, text: "look" },
      { type: "image" as const, mediaType: "image/gif" as const, data: "R0lGODlh" },
    ];
    await act(async () => {
      expect(await result.current.sendMessage(parts)).toBe("t2");
    });
    expect(server.requests.at(-1)).toEqual({ method: "POST", path: "/api/sessions/s1/messages", body: { content: parts } });
  });

  it("useMessages: a turn waiting for an approval is still streaming", async () => {
    const f = new EventFactory();
    const { hub, wrapper } = setup(detail());
    const { result } = renderHook(() => useMessages("s1"), { wrapper });
    await waitFor(() => expect(hub.sessionStreams).toHaveLength(1));
    act(() => hub.push(f.make("session:turn:started", { turnId: "t1" }), f.make("session:approval:requested", approvalPayload("a1"))));
    await waitFor(() => expect(result.current.isStreaming).toBe(true));
  });

  it("useSubagents: count, a subagent's blocks, and subagents by status", async () => {
    const f = new EventFactory();
    const { hub, wrapper } = setup(detail());
    const { result } = renderHook(() => useSubagents("s1"), { wrapper });
    await waitFor(() => expect(hub.sessionStreams).toHaveLength(1));
    const subagent = (id: string, status: "running" | "success" | "awaiting_approval") => ({
      type: "subagent" as const,
      id: `block-${id}`,
      timestamp,
      subagentId: id,
      input: {},
      status,
    });
    act(() =>
      hub.push(
        f.make("session:block:start", { conversationId: "main", block: subagent("one", "success") }),
        f.make("session:block:start", { conversationId: "main", block: subagent("two", "awaiting_approval") }),
        f.make("session:block:start", { conversationId: "two", block: text("t", "inside") }),
      ),
    );
    await waitFor(() => expect(result.current.count).toBe(2));
    expect(result.current.getSubagentBlocks("two")).toEqual([text("t", "inside")]);
    expect(result.current.getSubagentBlocks("missing")).toEqual([]);
    expect(result.current.getSubagentsByStatus("success").map((s) => s.id)).toEqual(["one"]);
    expect(result.current.hasRunningSubagents).toBe(true);
  });

  it("useWorkspaceFiles: files by pattern and by extension", async () => {
    const file = (path: string) => ({ path, size: 1, hash: "h", modifiedAt: timestamp });
    const files = ["main.py", "src/app.ts", "src/lib/util.TS", "README.md", "src/notes.txt"].map(file);
    const { wrapper } = setup(detail({ workspaceFiles: files }));
    const { result } = renderHook(() => useWorkspaceFiles("s1"), { wrapper });
    await waitFor(() => expect(result.current.files).toHaveLength(5));
    expect(result.current.getFilesByExtension(".py").map((x) => x.path)).toEqual(["main.py"]);
    expect(result.current.getFilesByExtension("ts").map((x) => x.path)).toEqual(["src/app.ts", "src/lib/util.TS"]);
    expect(result.current.getFilesByPattern(/^src\//g).map((x) => x.path)).toEqual(["src/app.ts", "src/lib/util.TS", "src/notes.txt"]);
    expect(result.current.getFilesByPattern("src/*.ts").map((x) => x.path)).toEqual(["src/app.ts"]);
    expect(result.current.getFilesByPattern("src/**/*.t?t").map((x) => x.path)).toEqual(["src/notes.txt"]);
  });

  it("globToRegExp: * stays in a folder, ** crosses them, other characters are literal", () => {
    expect(globToRegExp("*.md").test("README.md")).toBe(true);
    expect(globToRegExp("*.md").test("docs/a.md")).toBe(false);
    expect(globToRegExp("**/*.md").test("docs/a.md")).toBe(true);
    expect(globToRegExp("**/*.md").test("a.md")).toBe(true);
    expect(globToRegExp("a+b(1).txt").test("a+b(1).txt")).toBe(true);
    expect(globToRegExp("a+b(1).txt").test("aab1.txt")).toBe(false);
  });

  it("useEvents: clearEvents forgets the raw events, and the next ones come after the cursor", async () => {
    const f = new EventFactory();
    const { hub, wrapper } = setup(detail());
    const { result } = renderHook(() => useEvents("s1"), { wrapper });
    await waitFor(() => expect(hub.sessionStreams).toHaveLength(1));
    act(() => hub.push(f.make("session:turn:started", { turnId: "t1" }), f.make("session:turn:completed", { turnId: "t1" })));
    await waitFor(() => expect(result.current.events).toHaveLength(2));
    act(() => result.current.clearEvents());
    await waitFor(() => expect(result.current.events).toEqual([]));
    expect(result.current.lastSeq).toBe(2);
    act(() => hub.push(f.make("session:turn:started", { turnId: "t2" })));
    await waitFor(() => expect(result.current.events.map((e) => e.seq)).toEqual([3]));
  });

  it("useSessionList: getSession finds a listed session by id", async () => {
    const { server, wrapper } = setup(detail());
    const { sessionId: _s, ...item } = detail({ sessionId: "x" });
    server.list = [{ ...item, sessionId: "listed" } as SessionListItem];
    const { result } = renderHook(() => useSessionList(), { wrapper });
    await waitFor(() => expect(result.current.isLoading).toBe(false));
    expect(result.current.getSession("listed")?.sessionId).toBe("listed");
    expect(result.current.getSession("other")).toBeUndefined();
  });
});
