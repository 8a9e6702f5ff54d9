// @vitest-environment jsdom
import { act, cleanup, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { AgentServiceProvider, useSessionList, type AgentRuntimeApiError, type AgentServiceConfig } from "../src/index.js";
import { FakeHub } from "./support/FakeHub.js";

afterEach(() => cleanup());

/** A fetch that answers the session list, or 401 when `refuse` is set, and records each request's Authorization. */
function listFetch() {
  const state = { refuse: false, authorizations: [] as Array<string | null> };
  const fetch = async (_input: RequestInfo | URL, init?: RequestInit) => {
    state.authorizations.push(new Headers(init?.headers).get("authorization"));
    return state.refuse
      ? new Response(JSON.stringify({ title: "Unauthorized", status: 401 }), { status: 401, headers: { "content-type": "application/problem+json" } })
      : new Response(JSON.stringify({ sessions: [] }), { status: 200, headers: { "content-type": "application/json" } });
  };
  return { state, fetch: fetch as typeof globalThis.fetch };
}

describe("AgentServiceProvider", () => {
  it("calls the latest getToken and onUnauthorized without starting a new connection", async () => {
    const hub = new FakeHub();
    const { state, fetch } = listFetch();
    const told: string[] = [];
    let config: AgentServiceConfig = {
      apiUrl: "http://runtime.test",
      hubUrl: "http://runtime.test/hubs/sessions",
      transport: hub,
      fetch,
      getToken: () => "first",
      onUnauthorized: () => told.push("first"),
    };
    const wrapper = ({ children }: { children: ReactNode }) => <AgentServiceProvider {...config}>{children}</AgentServiceProvider>;
    const { result, rerender } = renderHook(() => useSessionList(), { wrapper });
    await waitFor(() => expect(result.current.isLoading).toBe(false));

    config = { ...config, getToken: async () => "second", onUnauthorized: (error: AgentRuntimeApiError) => told.push(`second ${error.status}`) };
    rerender();
    await act(() => result.current.refresh());
    state.refuse = true;
    await act(() => result.current.refresh());

    expect(state.authorizations).toEqual(["Bearer first", "Bearer second", "Bearer second"]);
    expect(told).toEqual(["second 401"]);
    expect(result.current.error).toBe("401 Unauthorized");
    expect(hub.stopped).toBe(false);
    expect(hub.listStreams).toHaveLength(1);
  });

  it("a new apiKey starts over with a new connection", async () => {
    const hubs = [new FakeHub(), new FakeHub()];
    const { state, fetch } = listFetch();
    let config: AgentServiceConfig = { apiUrl: "http://runtime.test", hubUrl: "http://runtime.test/hubs/sessions", transport: hubs[0], fetch, apiKey: "a" };
    const wrapper = ({ children }: { children: ReactNode }) => <AgentServiceProvider {...config}>{children}</AgentServiceProvider>;
    const { result, rerender } = renderHook(() => useSessionList(), { wrapper });
    await waitFor(() => expect(result.current.isLoading).toBe(false));

    config = { ...config, apiKey: "b", transport: hubs[1] };
    rerender();
    await waitFor(() => expect(hubs[1]!.listStreams).toHaveLength(1));
    await waitFor(() => expect(state.authorizations.at(-1)).toBe("Bearer b"));
    expect(hubs[0]!.stopped).toBe(true);
  });
});
