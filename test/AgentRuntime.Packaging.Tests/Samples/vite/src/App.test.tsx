// @vitest-environment jsdom
import { act } from "react";
import { createRoot } from "react-dom/client";
import { expect, test, vi } from "vitest";
import type { HubTransport, SessionListChange, SessionListItem, StreamObserver } from "@agent-runtime/react";
import { App } from "./App";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const session = (sessionId: string, name: string): SessionListItem => ({
  sessionId,
  tenantId: "default",
  architecture: "claude-agent-sdk",
  agentProfileRef: "default",
  name,
  createdAt: "2026-01-01T00:00:00Z",
  lastActivity: "2026-01-01T00:00:00Z",
  turnState: "idle",
  runtime: { isLoaded: false },
});

test("useSessionList renders the server's sessions and one the hub announces", async () => {
  const requests: string[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    requests.push(`${init?.method ?? "GET"} ${new URL(String(input)).pathname} ${new Headers(init?.headers).get("authorization")}`);
    return new Response(JSON.stringify({ sessions: [session("s1", "first session")], nextCursor: null }), {
      status: 200,
      headers: { "content-type": "application/json" },
    });
  }) as typeof globalThis.fetch;
  let listObserver: StreamObserver<SessionListChange> | undefined;
  const transport: HubTransport = {
    subscribeSession: () => ({ dispose() {} }),
    subscribeSessionList: (observer) => {
      listObserver = observer;
      observer.opened?.();
      return { dispose: () => (listObserver = undefined) };
    },
    stop: async () => {},
  };

  const container = document.createElement("div");
  const root = createRoot(container);
  await act(async () => root.render(<App apiUrl="http://runtime.test" fetch={fetch} transport={transport} />));

  await vi.waitFor(() => expect(container.querySelectorAll("li")).toHaveLength(1));
  expect(container.textContent).toBe("first session");
  expect(requests[0]).toMatch(/^GET \/api\/sessions Bearer ar_sample\.key$/);

  await act(async () => listObserver!.next({ kind: "created", sessionId: "s2", tenantId: "default", session: session("s2", "second session") }));
  await vi.waitFor(() => expect(container.querySelectorAll("li")).toHaveLength(2));
  expect([...container.querySelectorAll("li")].map((li) => li.textContent).sort()).toEqual(["first session", "second session"]);

  await act(async () => root.unmount());
  expect(listObserver).toBeUndefined();
});
