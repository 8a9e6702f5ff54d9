// @vitest-environment jsdom
import { act, cleanup, renderHook, waitFor } from "@testing-library/react";
import { LogLevel } from "@microsoft/signalr";
import { readFileSync, statSync } from "node:fs";
import type { ReactNode } from "react";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AgentRuntimeApiError,
  AgentServiceProvider,
  isAssistantTextBlock,
  isRateLimited,
  isUnauthorized,
  isUserMessageBlock,
  RestClient,
  SignalRTransport,
  useAgentSession,
  useEvents,
  useMessages,
  useSessionList,
  useSubagents,
  useWorkspaceFiles,
  type AgentServiceConfig,
} from "../src/index.js";
import { RuntimeServer } from "./support/runtimeServer.js";
import { ScriptedModel } from "./support/scriptedModel.js";
import { TcpProxy } from "./support/tcpProxy.js";

const STREAM_TIMEOUT = 60_000;

let model: ScriptedModel;
let server: RuntimeServer;

beforeAll(async () => {
  model = await ScriptedModel.start();
  // Tenant "limited" may have one session, for the 429 test; no other test uses it.
  server = await RuntimeServer.start(model.baseUrl, { env: { AgentRuntime__Limits__Tenants__limited__MaxSessions: "1" } });
}, 90_000);

afterAll(async () => {
  await server?.stop();
  await model?.stop();
}, 30_000);

afterEach(() => cleanup());

function wrapperFor(config: AgentServiceConfig) {
  return ({ children }: { children: ReactNode }) => <AgentServiceProvider {...config}>{children}</AgentServiceProvider>;
}

/** The provider's settings for this server, signed in with `apiKey` (the admin key by default). */
function configFor(overrides: Partial<AgentServiceConfig> = {}): AgentServiceConfig {
  return { apiUrl: server.baseUrl, hubUrl: `${server.baseUrl}/hubs/sessions`, apiKey: server.adminKey, ...overrides };
}

const admin = () => new RestClient({ apiUrl: server.baseUrl, apiKey: server.adminKey });

/** Every hook of the package on one session, and the assistant text lengths each render saw. */
function useEverything(seen: number[]) {
  const agent = useAgentSession();
  const sessionId = agent.session?.sessionId;
  const messages = useMessages(sessionId);
  const list = useSessionList();
  const events = useEvents(sessionId);
  const subagents = useSubagents(sessionId);
  const files = useWorkspaceFiles(sessionId);
  const text = messages.blocks.find(isAssistantTextBlock);
  if (text) seen.push(text.content.length);
  return { agent, messages, list, events, subagents, files };
}

describe("hooks against the real server", () => {
  it(
    "create, send, watch the answer stream in, and delete",
    async () => {
      const answer = Array.from({ length: 40 }, (_, i) => `word${i + 1}`).join(" ");
      model.enqueue({ text: answer, pieces: 20, delayMs: 30 });
      const seen: number[] = [];
      const { result } = renderHook(() => useEverything(seen), {
        wrapper: wrapperFor(configFor()),
      });
      await waitFor(() => expect(result.current).not.toBeNull());

      let sessionId = "";
      await act(async () => {
        sessionId = await result.current.agent.createSession("default", "claude-agent-sdk", "react test");
      });
      await waitFor(() => expect(result.current.agent.status).toBe("ready"), { timeout: STREAM_TIMEOUT });
      const rest = admin();
      await rest.writeFile(sessionId, "notes/todo.txt", "buy milk");
      await waitFor(() => expect(result.current.files.getContent("notes/todo.txt")).toBe("buy milk"), { timeout: STREAM_TIMEOUT });
      expect(result.current.events.events.map((e) => e.type)).toContain("session:file:created");
      expect(await result.current.files.readFile("notes/todo.txt")).toBe("buy milk");

      await act(async () => {
        await result.current.messages.sendMessage("Say forty words");
      });
      await waitFor(() => expect(result.current.events.events.map((e) => e.type)).toContain("session:turn:completed"), { timeout: STREAM_TIMEOUT });

      const { messages, events, agent, subagents, files } = result.current;
      expect(messages.isStreaming).toBe(false);
      expect(messages.blocks.find(isAssistantTextBlock)?.content).toBe(answer);
      expect(messages.blocks.filter(isUserMessageBlock).map((b) => b.content)).toEqual(["Say forty words"]);
      expect(messages.getBlocksByType("assistant_text")).toHaveLength(1);
      expect(messages.metadata?.usage.outputTokens).toBeGreaterThan(0);
      expect(messages.error).toBeUndefined();
      expect(seen.some((length) => length > 0 && length < answer.length)).toBe(true);
      const seqs = events.events.map((e) => e.seq);
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
      expect(events.lastSeq).toBe(seqs.at(-1));
      expect(agent.session?.runtime.sandbox?.status).toBe("ready");
      expect(subagents.subagents).toEqual([]);
      expect(files.error).toBeUndefined();
      await waitFor(() => expect(result.current.list.sessions.map((s) => s.sessionId)).toContain(sessionId), { timeout: STREAM_TIMEOUT });

      await act(async () => {
        await result.current.agent.destroySession();
      });
      expect(result.current.agent.status).toBe("deleted");
      await waitFor(() => expect(result.current.list.sessions.map((s) => s.sessionId)).not.toContain(sessionId), { timeout: STREAM_TIMEOUT });
    },
    STREAM_TIMEOUT * 2,
  );

  it("reports what the sandboxes enforce, and sets and clears a session's budget", async () => {
    const rest = admin();
    const health = await rest.health();
    expect(health.sandbox?.isolation).toBe(true);
    expect(Array.isArray(health.sandbox?.notes)).toBe(true);

    const session = await rest.createSession({ agentProfileRef: "default", architecture: "claude-agent-sdk" });
    const limited = await rest.setBudget(session.sessionId, { maxTokens: 1000, maxCostUSD: 0.5 });
    expect(limited.budget).toEqual({ maxTokens: 1000, maxCostUSD: 0.5 });
    expect((await rest.getSession(session.sessionId)).metadata?.budget).toEqual({ maxTokens: 1000, maxCostUSD: 0.5 });
    const cleared = await rest.setBudget(session.sessionId, null);
    expect(cleared.budget).toBeUndefined();
    await rest.deleteSession(session.sessionId);
  });

  it(
    "asks before a tool in ask mode: allowed over REST it runs, denied over the hub the agent is told; a running turn is interrupted",
    async () => {
      const transport = new SignalRTransport({ hubUrl: `${server.baseUrl}/hubs/sessions`, apiKey: server.adminKey });
      const { result } = renderHook(
        () => {
          const agent = useAgentSession();
          const sessionId = agent.session?.sessionId;
          return { agent, messages: useMessages(sessionId), files: useWorkspaceFiles(sessionId), events: useEvents(sessionId) };
        },
        { wrapper: wrapperFor(configFor({ transport })) },
      );
      await waitFor(() => expect(result.current).not.toBeNull());
      let sessionId = "";
      await act(async () => {
        sessionId = await result.current.agent.createSession("default", "claude-agent-sdk", "react approvals");
      });
      await waitFor(() => expect(result.current.agent.status).toBe("ready"), { timeout: STREAM_TIMEOUT });
      await act(async () => {
        expect(await result.current.agent.updateSessionOptions({ permissionMode: "ask" })).toMatchObject({ permissionMode: "ask" });
      });
      await waitFor(() => expect(result.current.agent.options?.permissionMode).toBe("ask"), { timeout: STREAM_TIMEOUT });

      // Allowed over REST: the tool runs and writes its file.
      model.enqueue({ text: "Writing it.", toolUse: { name: "Bash", input: { command: "echo allowed > allowed.txt", description: "Write" } } }, { text: "Written." });
      await act(async () => {
        await result.current.messages.sendMessage("Write allowed.txt");
      });
      await waitFor(() => expect(result.current.agent.approvals).toHaveLength(1), { timeout: STREAM_TIMEOUT });
      const asked = result.current.agent.approvals[0]!;
      expect(asked).toMatchObject({ toolName: "Bash", conversationId: "main", input: { command: "echo allowed > allowed.txt" } });
      expect(result.current.agent.status).toBe("running");
      expect(result.current.agent.session?.turnState).toBe("awaiting_approval");
      expect((await admin().getSession(sessionId)).pendingApprovals?.map((a) => a.approvalId)).toEqual([asked.approvalId]);
      if (asked.blockId) await waitFor(() => expect(result.current.messages.getBlock(asked.blockId!)).toMatchObject({ status: "awaiting_approval" }));

      let resolved: Awaited<ReturnType<typeof result.current.agent.answerApproval>> | undefined;
      await act(async () => {
        resolved = await result.current.agent.answerApproval(asked.approvalId, { decision: "allow" });
      });
      expect(resolved).toMatchObject({ type: "session:approval:resolved", approvalId: asked.approvalId, decision: "allow" });
      await waitFor(() => expect(result.current.agent.approvals).toEqual([]));
      await expect(result.current.agent.answerApproval(asked.approvalId, { decision: "deny" })).rejects.toMatchObject({ status: 409 });
      await waitFor(() => expect(result.current.agent.status).toBe("ready"), { timeout: STREAM_TIMEOUT });
      await waitFor(() => expect(result.current.files.getFile("allowed.txt")).toBeDefined(), { timeout: STREAM_TIMEOUT });

      // Denied over the hub with a message, which the agent hears as the tool's result.
      model.enqueue({ text: "Deleting it.", toolUse: { name: "Bash", input: { command: "rm allowed.txt", description: "Delete" } } }, { text: "Understood." });
      await act(async () => {
        await result.current.messages.sendMessage("Delete allowed.txt");
      });
      await waitFor(() => expect(result.current.agent.approvals).toHaveLength(1), { timeout: STREAM_TIMEOUT });
      const denied = await transport.answerApproval(sessionId, result.current.agent.approvals[0]!.approvalId, { decision: "deny", message: "Keep that file" });
      expect(denied).toMatchObject({ decision: "deny", message: "Keep that file" });
      await waitFor(() => expect(result.current.agent.status).toBe("ready"), { timeout: STREAM_TIMEOUT });
      expect(model.toolResults.at(-1)).toContain("Keep that file");
      expect((await admin().listFiles(sessionId)).map((f) => f.path)).toContain("allowed.txt");

      // Interrupted over REST while its tool runs (bypass mode: the profile's again); nothing runs then, so a 409.
      await act(async () => {
        await result.current.agent.updateSessionOptions({ permissionMode: null });
      });
      await waitFor(() => expect(result.current.agent.options?.permissionMode).toBeUndefined(), { timeout: STREAM_TIMEOUT });
      // No reply after this one: the interrupt cuts the turn before the tool's result goes back to the model, and a
      // reply left in the queue would answer the next test's message.
      model.enqueue({ text: "Waiting.", toolUse: { name: "Bash", input: { command: "sleep 25", description: "Wait" } } });
      await act(async () => {
        await result.current.messages.sendMessage("Wait a while");
      });
      await waitFor(
        () => expect(result.current.messages.blocks.some((b) => b.type === "tool_use" && b.status === "running" && JSON.stringify(b.input).includes("sleep 25"))).toBe(true),
        { timeout: STREAM_TIMEOUT },
      );
      const started = Date.now();
      await act(async () => {
        const turnStarted = result.current.events.events.filter((e) => e.type === "session:turn:started").at(-1);
        expect(await result.current.agent.interrupt()).toBe(turnStarted && "turnId" in turnStarted ? turnStarted.turnId : undefined);
      });
      await waitFor(() => expect(result.current.messages.stopReason).toBe("interrupted"), { timeout: 20_000 });
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(result.current.agent.status).toBe("ready");
      await expect(result.current.agent.interrupt()).rejects.toMatchObject({ status: 409 });
      await expect(transport.interrupt(sessionId)).rejects.toThrow();

      await act(async () => {
        await result.current.agent.destroySession();
      });
    },
    STREAM_TIMEOUT * 3,
  );

  it(
    "sends a message with images: the user message keeps them and the model sees them; too many or a wrong type is a 400",
    async () => {
      const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
      const { result } = renderHook(
        () => {
          const agent = useAgentSession();
          return { agent, messages: useMessages(agent.session?.sessionId) };
        },
        { wrapper: wrapperFor(configFor()) },
      );
      await waitFor(() => expect(result.current).not.toBeNull());
      await act(async () => {
        await result.current.agent.createSession("default", "claude-agent-sdk", "react images");
      });
      await waitFor(() => expect(result.current.agent.status).toBe("ready"), { timeout: STREAM_TIMEOUT });

      model.enqueue({ text: "A dot." });
      const before = model.images.length;
      await act(async () => {
        await result.current.messages.sendMessage([
          { type: "text", text: "What is this?" },
          { type: "image", mediaType: "image/png", data: png },
        ]);
      });
      await waitFor(() => expect(result.current.messages.blocks.some((b) => isAssistantTextBlock(b) && b.content === "A dot.")).toBe(true), {
        timeout: STREAM_TIMEOUT,
      });
      const sent = result.current.messages.blocks.find(isUserMessageBlock);
      expect(sent).toMatchObject({ content: "What is this?", images: [{ mediaType: "image/png", data: png }] });
      expect(model.images.slice(before)).toContainEqual([{ mediaType: "image/png", data: png }]);

      const image = { type: "image" as const, mediaType: "image/png" as const, data: png };
      await expect(result.current.messages.sendMessage([{ type: "text", text: "five" }, image, image, image, image, image])).rejects.toMatchObject({ status: 400 });
      await expect(
        result.current.messages.sendMessage([{ type: "image", mediaType: "image/svg+xml" as never, data: btoa("<svg/>") }]),
      ).rejects.toMatchObject({ status: 400 });
      await act(async () => {
        await result.current.agent.destroySession();
      });
    },
    STREAM_TIMEOUT * 2,
  );

  it(
    "resumes after the hub connection is cut mid-stream, with every seq once",
    async () => {
      const proxy = await TcpProxy.start(Number(new URL(server.baseUrl).port));
      try {
        const answer = Array.from({ length: 60 }, (_, i) => `token${i + 1}`).join(" ");
        model.enqueue({ text: answer, pieces: 40, delayMs: 40 });
        const seen: number[] = [];
        const { result } = renderHook(() => useEverything(seen), {
          wrapper: wrapperFor({
            ...configFor(),
            hubUrl: `http://127.0.0.1:${proxy.port}/hubs/sessions`,
            reconnect: { delaysMs: [0, 100], maxAttempts: 20 },
            // The cuts are the point of this test; SignalR need not log them as errors.
            hubLogLevel: LogLevel.None,
          }),
        });
        await waitFor(() => expect(result.current).not.toBeNull());
        await act(async () => {
          await result.current.agent.createSession("default", "claude-agent-sdk");
        });
        await waitFor(() => expect(result.current.agent.status).toBe("ready"), { timeout: STREAM_TIMEOUT });

        await act(async () => {
          await result.current.messages.sendMessage("Stream slowly");
        });
        await waitFor(() => expect(result.current.events.events.filter((e) => e.type === "session:block:delta").length).toBeGreaterThanOrEqual(5), {
          timeout: STREAM_TIMEOUT,
        });
        expect(proxy.cutAll()).toBeGreaterThan(0);
        await waitFor(() => expect(result.current.events.events.filter((e) => e.type === "session:block:delta").length).toBeGreaterThanOrEqual(20), {
          timeout: STREAM_TIMEOUT,
        });
        expect(proxy.cutAll()).toBeGreaterThan(0);
        await waitFor(() => expect(result.current.events.events.map((e) => e.type)).toContain("session:turn:completed"), { timeout: STREAM_TIMEOUT });

        expect(proxy.accepted).toBeGreaterThanOrEqual(3);
        expect(result.current.messages.blocks.find(isAssistantTextBlock)?.content).toBe(answer);
        const seqs = result.current.events.events.map((e) => e.seq);
        expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
        await act(async () => {
          await result.current.agent.destroySession();
        });
      } finally {
        cleanup();
        await proxy.stop();
      }
    },
    STREAM_TIMEOUT * 2,
  );
});

describe("authentication and tenants against the real server", () => {
  it("the admin key the server wrote on first start signs in as the default tenant's admin", async () => {
    const file = readFileSync(server.adminKeyFile, "utf8");
    expect(file).toMatch(/^ar_[0-9a-f]{16}\.[A-Za-z0-9_-]+\n$/);
    expect(statSync(server.adminKeyFile).mode & 0o777).toBe(0o600);

    const me = await admin().me();
    expect(me).toMatchObject({ tenantId: "default", authMode: "apikey" });
    expect([...me.scopes].sort()).toEqual(["admin", "sessions"]);
    expect(typeof me.keyId).toBe("string");
    expect((await admin().listKeys("default")).map((k) => k.keyId)).toContain(me.keyId);
    // Health stays anonymous.
    expect((await new RestClient({ apiUrl: server.baseUrl }).health()).status).toBe("ok");
  });

  it("a wrong key gets the 401 error, over REST and through the hooks", async () => {
    const wrong = "ar_0000000000000000.not-a-key";
    const error = await new RestClient({ apiUrl: server.baseUrl, apiKey: wrong }).me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentRuntimeApiError);
    expect(error).toMatchObject({ status: 401, kind: "unauthorized" });
    await expect(new RestClient({ apiUrl: server.baseUrl }).listSessions()).rejects.toMatchObject({ status: 401 });

    const told: AgentRuntimeApiError[] = [];
    const { result } = renderHook(() => useSessionList(), {
      wrapper: wrapperFor(configFor({ apiKey: wrong, onUnauthorized: (e) => told.push(e), hubLogLevel: LogLevel.None })),
    });
    await waitFor(() => expect(result.current.error).toMatch(/^401 /), { timeout: STREAM_TIMEOUT });
    expect(result.current.sessions).toEqual([]);
    expect(told.length).toBeGreaterThan(0);
    expect(told.every(isUnauthorized)).toBe(true);
  });

  it(
    "a tenant's hooks see its own sessions only",
    async () => {
      const rest = admin();
      const b = await rest.createKey({ tenantId: "b", scopes: ["sessions"], name: "react test b" });
      expect(b).toMatchObject({ tenantId: "b", scopes: ["sessions"] });
      expect(b.key).toMatch(/^ar_[0-9a-f]{16}\./);
      const restB = new RestClient({ apiUrl: server.baseUrl, apiKey: b.key });
      const adminSession = await rest.createSession({ agentProfileRef: "default", architecture: "claude-agent-sdk", name: "default tenant's" });
      expect(adminSession.tenantId).toBe("default");

      const useBoth = () => ({ list: useSessionList(), agent: useAgentSession() });
      const { result } = renderHook(useBoth, { wrapper: wrapperFor(configFor({ apiKey: b.key })) });
      const { result: adminView } = renderHook(() => useSessionList(), { wrapper: wrapperFor(configFor()) });
      await waitFor(() => expect(result.current.list.isLoading).toBe(false), { timeout: STREAM_TIMEOUT });

      let bSessionId = "";
      await act(async () => {
        bSessionId = await result.current.agent.createSession("default", "claude-agent-sdk", "tenant b's");
      });
      // A session the default tenant creates while b's list is live; b's own next one marks that the first has passed.
      const laterAdminSession = await rest.createSession({ agentProfileRef: "default", architecture: "claude-agent-sdk" });
      const laterB = await restB.createSession({ agentProfileRef: "default", architecture: "claude-agent-sdk" });
      await waitFor(() => expect(result.current.list.sessions.map((s) => s.sessionId)).toEqual(expect.arrayContaining([bSessionId, laterB.sessionId])), {
        timeout: STREAM_TIMEOUT,
      });
      const seenByB = result.current.list.sessions;
      expect(seenByB.map((s) => s.sessionId)).not.toContain(adminSession.sessionId);
      expect(seenByB.map((s) => s.sessionId)).not.toContain(laterAdminSession.sessionId);
      expect(new Set(seenByB.map((s) => s.tenantId))).toEqual(new Set(["b"]));
      // The hook's own session comes from its detail, which may arrive after the list has heard of it.
      await waitFor(() => expect(result.current.agent.session?.tenantId).toBe("b"), { timeout: STREAM_TIMEOUT });

      await waitFor(() => expect(adminView.current.sessions.map((s) => s.sessionId)).toContain(laterAdminSession.sessionId), { timeout: STREAM_TIMEOUT });
      // Another tenant's session is as missing as one that never was.
      await expect(restB.getSession(adminSession.sessionId)).rejects.toMatchObject({ status: 404, kind: "not_found" });
      await expect(restB.deleteSession(adminSession.sessionId)).rejects.toMatchObject({ status: 404 });

      for (const id of [adminSession.sessionId, laterAdminSession.sessionId]) await rest.deleteSession(id);
      for (const id of [bSessionId, laterB.sessionId]) await restB.deleteSession(id);
      // Unmounted first: deleting the key would otherwise make its hub connection log the refusal.
      cleanup();
      await rest.deleteKey(b.keyId);
    },
    STREAM_TIMEOUT * 2,
  );

  it(
    "a deleted key fails at once, and the hooks using it hear 401",
    async () => {
      const rest = admin();
      const c = await rest.createKey({ tenantId: "c", name: "react test c" });
      const told: AgentRuntimeApiError[] = [];
      const { result } = renderHook(() => useSessionList(), {
        wrapper: wrapperFor(configFor({ apiKey: c.key, onUnauthorized: (e) => told.push(e), hubLogLevel: LogLevel.None })),
      });
      await waitFor(() => expect(result.current.isLoading).toBe(false), { timeout: STREAM_TIMEOUT });
      expect(result.current.error).toBeUndefined();

      await rest.deleteKey(c.keyId);
      await expect(new RestClient({ apiUrl: server.baseUrl, apiKey: c.key }).me()).rejects.toMatchObject({ status: 401 });
      expect((await rest.listKeys()).map((k) => k.keyId)).not.toContain(c.keyId);
      await expect(rest.deleteKey(c.keyId)).rejects.toMatchObject({ status: 404 });
      // The server closes the key's hub connection; coming back, the hub refuses it.
      await waitFor(() => expect(told.length).toBeGreaterThan(0), { timeout: 15_000 });
      await waitFor(() => expect(result.current.error).toMatch(/^401 /), { timeout: 15_000 });
    },
    STREAM_TIMEOUT,
  );

  it("a tenant at its session limit gets a 429 that says when to retry, through the hooks too", async () => {
    const rest = admin();
    const limited = await rest.createKey({ tenantId: "limited", name: "react test limited" });
    const restLimited = new RestClient({ apiUrl: server.baseUrl, apiKey: limited.key });
    const first = await restLimited.createSession({ agentProfileRef: "default", architecture: "claude-agent-sdk" });

    const error = await restLimited.createSession({ agentProfileRef: "default", architecture: "claude-agent-sdk" }).catch((e: unknown) => e);
    expect(isRateLimited(error)).toBe(true);
    expect(error).toMatchObject({ status: 429, kind: "rate_limited" });
    expect((error as AgentRuntimeApiError).retryAfter).toBeGreaterThan(0);

    const { result } = renderHook(() => useAgentSession(), { wrapper: wrapperFor(configFor({ apiKey: limited.key })) });
    await waitFor(() => expect(result.current.status).toBe("none"));
    await act(async () => {
      await expect(result.current.createSession("default", "claude-agent-sdk")).rejects.toMatchObject({ status: 429, kind: "rate_limited" });
    });
    expect(result.current.status).toBe("error");
    expect(result.current.error).toMatch(/^429 /);

    cleanup();
    await restLimited.deleteSession(first.sessionId);
    await rest.deleteKey(limited.keyId);
  });
  it(
    "the session list reads a page at a time, older pages on loadMore, while the hub keeps it current",
    async () => {
      const rest = admin();
      // A tenant of its own, so the other tests' sessions do not land in its pages.
      const key = await rest.createKey({ tenantId: "paged", name: "react test paged" });
      const restPaged = new RestClient({ apiUrl: server.baseUrl, apiKey: key.key });
      const created: string[] = [];
      for (let i = 0; i < 5; i++) created.unshift((await restPaged.createSession({ agentProfileRef: "default", architecture: "claude-agent-sdk", name: `paged ${i}` })).sessionId);

      const first = await restPaged.listSessionsPage({ limit: 3 });
      const second = await restPaged.listSessionsPage({ limit: 3, cursor: first.nextCursor! });
      expect([...first.sessions, ...second.sessions].map((s) => s.sessionId)).toEqual(created);
      expect(second.nextCursor).toBeNull();

      const { result } = renderHook(() => useSessionList(), { wrapper: wrapperFor(configFor({ apiKey: key.key, sessionListPageSize: 2 })) });
      await waitFor(() => expect(result.current.isLoading).toBe(false), { timeout: STREAM_TIMEOUT });
      expect(result.current.sessions.map((s) => s.sessionId)).toEqual(created.slice(0, 2));
      expect(result.current.hasMore).toBe(true);

      const newest = await restPaged.createSession({ agentProfileRef: "default", architecture: "claude-agent-sdk", name: "paged newest" });
      await waitFor(() => expect(result.current.sessions[0]?.sessionId).toBe(newest.sessionId), { timeout: STREAM_TIMEOUT });
      await act(() => result.current.loadMore());
      await act(() => result.current.loadMore());
      expect(result.current.sessions.map((s) => s.sessionId)).toEqual([newest.sessionId, ...created]);
      expect(result.current.hasMore).toBe(false);

      cleanup();
      for (const id of [newest.sessionId, ...created]) await restPaged.deleteSession(id);
      await rest.deleteKey(key.keyId);
    },
    STREAM_TIMEOUT * 2,
  );
});
