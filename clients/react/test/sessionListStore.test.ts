import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AgentRuntimeApiError } from "../src/client/AgentRuntimeApiError.js";
import { SessionListStore } from "../src/state/SessionListStore.js";
import type { SessionListItem } from "../src/types/sessions.js";
import { detail } from "./support/events.js";
import { FakeHub } from "./support/FakeHub.js";

function item(sessionId: string, lastActivity: string): SessionListItem {
  const { blocks: _b, subagents: _s, workspaceFiles: _w, lastSeq: _l, metadata: _m, ...listItem } = detail({ sessionId, lastActivity });
  return listItem;
}

describe("SessionListStore", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("reads the list once subscribed, applies changes, and sorts by last activity", async () => {
    const hub = new FakeHub();
    const store = new SessionListStore(async () => [item("a", "2026-11-23T19:00:00Z")], hub, { delaysMs: [0], maxAttempts: 3 });
    store.retain();
    await vi.runAllTimersAsync();
    expect(store.snapshot()).toMatchObject({ isLoading: false, sessions: [{ sessionId: "a" }] });

    const list = hub.listStreams[0]!.observer;
    list.next({ kind: "created", sessionId: "b", tenantId: "default", session: item("b", "2026-11-23T19:05:00Z") });
    list.next({ kind: "updated", sessionId: "a", tenantId: "default", session: item("a", "2026-11-23T19:10:00Z") });
    expect(store.snapshot().sessions.map((s) => s.sessionId)).toEqual(["a", "b"]);
    list.next({ kind: "deleted", sessionId: "a", tenantId: "default" });
    expect(store.snapshot().sessions.map((s) => s.sessionId)).toEqual(["b"]);
  });

  it("keeps a change that arrives while the list is being read", async () => {
    const hub = new FakeHub();
    let answer: (sessions: SessionListItem[]) => void = () => {};
    const store = new SessionListStore(() => new Promise((resolve) => (answer = resolve)), hub, { delaysMs: [0], maxAttempts: 3 });
    store.retain();
    hub.listStreams[0]!.observer.next({ kind: "created", sessionId: "new", tenantId: "default", session: item("new", "2026-11-23T19:05:00Z") });
    answer([item("old", "2026-11-23T19:00:00Z")]);
    await vi.runAllTimersAsync();
    expect(store.snapshot().sessions.map((s) => s.sessionId)).toEqual(["new", "old"]);
  });

  it("after a dropped stream, subscribes again and reads the list again", async () => {
    const hub = new FakeHub();
    let reads = 0;
    const store = new SessionListStore(async () => (reads++, []), hub, { delaysMs: [0], maxAttempts: 3 });
    const release = store.retain();
    await vi.runAllTimersAsync();
    hub.listStreams[0]!.observer.error(new Error("connection closed"));
    await vi.runAllTimersAsync();
    expect(hub.listStreams).toHaveLength(2);
    expect(reads).toBe(2);

    release();
    expect(hub.listStreams[1]!.disposed).toBe(true);
  });

  it("stops retrying when the hub refuses the key, and shows why", async () => {
    const hub = new FakeHub();
    const store = new SessionListStore(async () => [], hub, { delaysMs: [0], maxAttempts: 3 });
    store.retain();
    await vi.runAllTimersAsync();
    hub.listStreams[0]!.observer.error(new AgentRuntimeApiError(401, "Unauthorized", "The API key is not valid."));
    await vi.runAllTimersAsync();
    expect(hub.listStreams).toHaveLength(1);
    expect(store.snapshot()).toMatchObject({ isLoading: false, error: "401 Unauthorized: The API key is not valid." });
  });
});
