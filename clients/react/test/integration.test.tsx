// @vitest-environment jsdom
import { act, cleanup, renderHook, waitFor } from "@testing-library/react";
import { LogLevel } from "@microsoft/signalr";
import type { ReactNode } from "react";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AgentServiceProvider,
  isAssistantTextBlock,
  isUserMessageBlock,
  RestClient,
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
  server = await RuntimeServer.start(model.baseUrl);
}, 90_000);

afterAll(async () => {
  await server?.stop();
  await model?.stop();
}, 30_000);

afterEach(() => cleanup());

function wrapperFor(config: AgentServiceConfig) {
  return ({ children }: { children: ReactNode }) => <AgentServiceProvider {...config}>{children}</AgentServiceProvider>;
}

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
        wrapper: wrapperFor({ apiUrl: server.baseUrl, hubUrl: `${server.baseUrl}/hubs/sessions` }),
      });
      await waitFor(() => expect(result.current).not.toBeNull());

      let sessionId = "";
      await act(async () => {
        sessionId = await result.current.agent.createSession("default", "claude-agent-sdk", "react test");
      });
      await waitFor(() => expect(result.current.agent.status).toBe("ready"), { timeout: STREAM_TIMEOUT });
      const rest = new RestClient({ apiUrl: server.baseUrl });
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
    const rest = new RestClient({ apiUrl: server.baseUrl });
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
    "resumes after the hub connection is cut mid-stream, with every seq once",
    async () => {
      const proxy = await TcpProxy.start(Number(new URL(server.baseUrl).port));
      try {
        const answer = Array.from({ length: 60 }, (_, i) => `token${i + 1}`).join(" ");
        model.enqueue({ text: answer, pieces: 40, delayMs: 40 });
        const seen: number[] = [];
        const { result } = renderHook(() => useEverything(seen), {
          wrapper: wrapperFor({
            apiUrl: server.baseUrl,
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
