import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AgentRuntimeApiError } from "../src/client/AgentRuntimeApiError.js";
import { SessionListStore } from "../src/state/SessionListStore.js";
import type { SessionListItem, SessionListPage } from "../src/types/sessions.js";
import { detail } from "./support/events.js";
import { FakeHub } from "./support/FakeHub.js";

function item(sessionId: string, lastActivity: string): SessionListItem {
  const { blocks: _b, subagents: _s, workspaceFiles: _w, lastSeq: _l, metadata: _m, ...listItem } = detail({ sessionId, lastActivity });
  return listItem;
}

/** The whole list as one page. */
const whole = (sessions: SessionListItem[]): SessionListPage => ({ sessions, nextCursor: null });

/** A server's list, newest first, read in pages whose cursor is the index of the next item; records each read. */
function pagedList(sessions: SessionListItem[]) {
  const reads: Array<{ limit: number; cursor: string | undefined }> = [];
  const state = { sessions };
  const read = async (limit: number, cursor: string | undefined): Promise<SessionListPage> => {
    reads.push({ limit, cursor });
    const start = cursor === undefined ? 0 : Number(cursor);
    const end = start + limit;
    return { sessions: state.sessions.slice(start, end), nextCursor: end < state.sessions.length ? String(end) : null };
  };
  return { reads, read, state };
}

const minute = (m: number) => `2026-11-23T19:${String(m).padStart(2, "0")}:00Z`;

describe("SessionListStore", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("reads the list once subscribed, applies changes, and sorts by last activity", async () => {
    const hub = new FakeHub();
    const store = new SessionListStore(async () => whole([item("a", "2026-11-23T19:00:00Z")]), hub, { delaysMs: [0], maxAttempts: 3 });
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
    let answer: (page: SessionListPage) => void = () => {};
    const store = new SessionListStore(() => new Promise((resolve) => (answer = resolve)), hub, { delaysMs: [0], maxAttempts: 3 });
    store.retain();
    hub.listStreams[0]!.observer.next({ kind: "created", sessionId: "new", tenantId: "default", session: item("new", "2026-11-23T19:05:00Z") });
    answer(whole([item("old", "2026-11-23T19:00:00Z")]));
    await vi.runAllTimersAsync();
    expect(store.snapshot().sessions.map((s) => s.sessionId)).toEqual(["new", "old"]);
  });

  it("after a dropped stream, subscribes again and reads the list again", async () => {
    const hub = new FakeHub();
    let reads = 0;
    const store = new SessionListStore(async () => (reads++, whole([])), hub, { delaysMs: [0], maxAttempts: 3 });
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
    const store = new SessionListStore(async () => whole([]), hub, { delaysMs: [0], maxAttempts: 3 });
    store.retain();
    await vi.runAllTimersAsync();
    hub.listStreams[0]!.observer.error(new AgentRuntimeApiError(401, "Unauthorized", "The API key is not valid."));
    await vi.runAllTimersAsync();
    expect(hub.listStreams).toHaveLength(1);
    expect(store.snapshot()).toMatchObject({ isLoading: false, error: "401 Unauthorized: The API key is not valid." });
  });
  it("reads the first page, then older pages on loadMore until there are no more", async () => {
    const server = pagedList([5, 4, 3, 2, 1].map((m) => item(`s${m}`, minute(m))));
    const store = new SessionListStore(server.read, new FakeHub(), { delaysMs: [0], maxAttempts: 3 }, 2);
    store.retain();
    await vi.runAllTimersAsync();
    expect(store.snapshot()).toMatchObject({ isLoading: false, hasMore: true, isLoadingMore: false });
    expect(store.snapshot().sessions.map((s) => s.sessionId)).toEqual(["s5", "s4"]);

    const loading = store.loadMore();
    expect(store.snapshot().isLoadingMore).toBe(true);
    await loading;
    await store.loadMore();
    expect(store.snapshot()).toMatchObject({ hasMore: false, isLoadingMore: false });
    expect(store.snapshot().sessions.map((s) => s.sessionId)).toEqual(["s5", "s4", "s3", "s2", "s1"]);

    await store.loadMore();
    expect(server.reads).toEqual([
      { limit: 2, cursor: undefined },
      { limit: 2, cursor: "2" },
      { limit: 2, cursor: "4" },
    ]);
  });

  it("keeps the hub's word over a page's: a session that moved or went while a page was read is shown once, or not at all", async () => {
    const hub = new FakeHub();
    const server = pagedList([6, 5, 4, 3, 2, 1].map((m) => item(`s${m}`, minute(m))));
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reads = 0;
    const read = async (limit: number, cursor: string | undefined) => {
      const page = await server.read(limit, cursor);
      if (reads++ === 1) await gate;
      return page;
    };
    const store = new SessionListStore(read, hub, { delaysMs: [0], maxAttempts: 3 }, 3);
    store.retain();
    await vi.runAllTimersAsync();

    const loading = store.loadMore();
    const list = hub.listStreams[0]!.observer;
    // The page (s3, s2, s1) is read before these changes reach it: s3 became the newest, s2 was deleted.
    list.next({ kind: "updated", sessionId: "s3", tenantId: "default", session: item("s3", minute(30)) });
    list.next({ kind: "deleted", sessionId: "s2", tenantId: "default" });
    release();
    await loading;

    expect(store.snapshot().sessions.map((s) => [s.sessionId, s.lastActivity])).toEqual([
      ["s3", minute(30)],
      ["s6", minute(6)],
      ["s5", minute(5)],
      ["s4", minute(4)],
      ["s1", minute(1)],
    ]);
  });

  it("after a dropped stream, reads as many sessions again as it showed", async () => {
    const hub = new FakeHub();
    const server = pagedList([5, 4, 3, 2, 1].map((m) => item(`s${m}`, minute(m))));
    const store = new SessionListStore(server.read, hub, { delaysMs: [0], maxAttempts: 3 }, 2);
    store.retain();
    await vi.runAllTimersAsync();
    await store.loadMore();
    server.reads.length = 0;

    hub.listStreams[0]!.observer.error(new Error("connection closed"));
    await vi.runAllTimersAsync();

    expect(server.reads.map((r) => r.cursor)).toEqual([undefined, "2"]);
    expect(store.snapshot()).toMatchObject({ hasMore: true, isLoading: false });
    expect(store.snapshot().sessions.map((s) => s.sessionId)).toEqual(["s5", "s4", "s3", "s2"]);
  });

  it("shows a page that fails to load as an error, and loads it on the next try", async () => {
    const server = pagedList([3, 2, 1].map((m) => item(`s${m}`, minute(m))));
    let fail = false;
    const read = (limit: number, cursor: string | undefined) => (fail ? Promise.reject(new Error("network down")) : server.read(limit, cursor));
    const store = new SessionListStore(read, new FakeHub(), { delaysMs: [0], maxAttempts: 3 }, 2);
    store.retain();
    await vi.runAllTimersAsync();

    fail = true;
    await store.loadMore();
    expect(store.snapshot()).toMatchObject({ isLoadingMore: false, hasMore: true, error: "network down" });
    fail = false;
    await store.loadMore();
    expect(store.snapshot()).toMatchObject({ hasMore: false, error: undefined });
    expect(store.snapshot().sessions.map((s) => s.sessionId)).toEqual(["s3", "s2", "s1"]);
  });
});
