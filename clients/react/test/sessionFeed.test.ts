import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AgentRuntimeApiError } from "../src/client/AgentRuntimeApiError.js";
import { SessionFeed, type SessionLookup } from "../src/state/SessionFeed.js";
import { SessionStore } from "../src/state/SessionStore.js";
import { detail, EventFactory, text } from "./support/events.js";
import { FakeHub } from "./support/FakeHub.js";

const policy = { delaysMs: [0, 100], maxAttempts: 3 };

describe("SessionFeed", () => {
  let hub: FakeHub;
  let store: SessionStore;
  let lookup: SessionLookup & { exists: boolean; calls: number };
  let f: EventFactory;

  beforeEach(() => {
    vi.useFakeTimers();
    hub = new FakeHub();
    store = new SessionStore("s1", 50);
    lookup = {
      exists: true,
      calls: 0,
      async getSession() {
        this.calls++;
        if (!this.exists) throw new AgentRuntimeApiError(404, "Session not found", "Session 's1' was not found.");
        return detail({ lastSeq: 0 });
      },
    };
    f = new EventFactory();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  async function started(): Promise<SessionFeed> {
    const feed = new SessionFeed("s1", store, hub, lookup, policy);
    feed.start();
    await vi.runAllTimersAsync();
    return feed;
  }

  it("hydrates from the session detail, then subscribes after its last seq", async () => {
    lookup.getSession = async () => detail({ lastSeq: 7, blocks: [text("a", "hi")] });
    await started();
    expect(hub.sessionStreams.map((s) => s.afterSeq)).toEqual([7]);
    expect(store.state.threads.main).toEqual([text("a", "hi")]);
  });

  it("a gap disposes the stream and resubscribes after the last applied seq", async () => {
    await started();
    hub.push(
      f.make("session:block:start", { conversationId: "main", block: text("t") }),
      f.make("session:block:delta", { conversationId: "main", blockId: "t", delta: "a" }),
      f.make("session:block:delta", { conversationId: "main", blockId: "t", delta: "c" }, 4),
    );
    const first = hub.sessionStreams[0]!;
    await vi.runAllTimersAsync();

    expect(first.disposed).toBe(true);
    expect(hub.sessionStreams.map((s) => s.afterSeq)).toEqual([0, 2]);
    hub.push(
      f.make("session:block:delta", { conversationId: "main", blockId: "t", delta: "b" }, 3),
      f.make("session:block:delta", { conversationId: "main", blockId: "t", delta: "c" }, 4),
    );
    expect(store.state.threads.main).toEqual([text("t", "abc")]);
    expect(store.state.gap).toBeNull();
  });

  it("ignores what the old stream still delivers after a gap", async () => {
    await started();
    const old = hub.sessionStreams[0]!;
    hub.push(f.make("session:turn:started", { turnId: "t" }), f.make("session:turn:completed", { turnId: "t" }, 3));
    old.observer.next(f.make("session:turn:started", { turnId: "late" }, 2));
    expect(store.state.lastSeq).toBe(1);
  });

  it("a dropped connection resubscribes after the cursor, which survives the reconnect", async () => {
    await started();
    hub.push(f.make("session:turn:started", { turnId: "t" }), f.make("session:block:start", { conversationId: "main", block: text("x") }));
    hub.current.observer.error(new Error("Invocation canceled due to the underlying connection being closed."));
    await vi.runAllTimersAsync();
    expect(store.state.connection).toBe("reconnecting");

    expect(hub.sessionStreams.map((s) => s.afterSeq)).toEqual([0, 2]);
    hub.push(
      f.make("session:block:start", { conversationId: "main", block: text("x") }, 2),
      f.make("session:block:delta", { conversationId: "main", blockId: "x", delta: "!" }, 3),
    );
    expect(store.state.lastSeq).toBe(3);
    expect(store.state.threads.main).toEqual([text("x", "!")]);
    expect(store.state.connection).toBe("live");
  });

  it("a completed stream of a deleted session ends the feed as deleted", async () => {
    await started();
    lookup.exists = false;
    hub.current.observer.complete();
    await vi.runAllTimersAsync();
    expect(hub.sessionStreams).toHaveLength(1);
    expect(store.state).toMatchObject({ connection: "ended", deleted: true });
  });

  it("a completed stream of a session that still exists (a server restart) resubscribes", async () => {
    await started();
    hub.push(f.make("session:turn:started", { turnId: "t" }));
    hub.current.observer.complete();
    await vi.runAllTimersAsync();
    expect(hub.sessionStreams.map((s) => s.afterSeq)).toEqual([0, 1]);
  });

  it("gives up after the attempt limit without progress, and a send revives it", async () => {
    const feed = await started();
    for (let i = 0; i <= policy.maxAttempts; i++) {
      hub.current.observer.error(new Error("refused"));
      await vi.runAllTimersAsync();
    }
    expect(hub.sessionStreams).toHaveLength(policy.maxAttempts + 1);
    expect(store.state).toMatchObject({ connection: "ended", connectionError: "refused", deleted: false });

    feed.revive();
    expect(hub.sessionStreams).toHaveLength(policy.maxAttempts + 2);
  });

  it("a stream the server ends with 401 ends the feed with that error, without retrying", async () => {
    await started();
    const calls = lookup.calls;
    hub.current.observer.error(new AgentRuntimeApiError(401, "Unauthorized", "The API key is not valid."));
    await vi.runAllTimersAsync();
    expect(hub.sessionStreams).toHaveLength(1);
    expect(lookup.calls).toBe(calls);
    expect(store.state).toMatchObject({ connection: "ended", deleted: false });
    expect(store.state.connectionError).toContain("401 Unauthorized");
  });

  it("a dropped stream whose session lookup answers 401 (the key was deleted) ends the feed instead of retrying", async () => {
    await started();
    lookup.getSession = async () => {
      throw new AgentRuntimeApiError(401, "Unauthorized");
    };
    hub.current.observer.error(new Error("Invocation canceled due to the underlying connection being closed."));
    await vi.runAllTimersAsync();
    expect(hub.sessionStreams).toHaveLength(1);
    expect(store.state).toMatchObject({ connection: "ended", connectionError: "401 Unauthorized", deleted: false });
  });

  it("a session the key may not read ends at hydration with the server's 401", async () => {
    lookup.getSession = async () => {
      throw new AgentRuntimeApiError(401, "Unauthorized");
    };
    await started();
    expect(hub.sessionStreams).toHaveLength(0);
    expect(store.state).toMatchObject({ connection: "ended", connectionError: "401 Unauthorized" });
  });

  it("an unknown session ends at hydration with the server's error", async () => {
    lookup.exists = false;
    await started();
    expect(hub.sessionStreams).toHaveLength(0);
    expect(store.state.connection).toBe("ended");
    expect(store.state.connectionError).toContain("Session not found");
  });

  it("stop disposes the stream and a later start resumes after the kept cursor", async () => {
    const feed = await started();
    hub.push(f.make("session:turn:started", { turnId: "t" }), f.make("session:turn:completed", { turnId: "t" }));
    feed.stop();
    expect(hub.current.disposed).toBe(true);
    feed.start();
    expect(hub.sessionStreams.map((s) => s.afterSeq)).toEqual([0, 2]);
  });
});

describe("SessionStore", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("notifies at most once per interval while events stream, and publishes the latest state", () => {
    const store = new SessionStore("s1", 50);
    const f = new EventFactory();
    const seen: number[] = [];
    store.subscribe(() => seen.push(store.snapshot().lastSeq));
    store.dispatch({ type: "event", event: f.make("session:block:start", { conversationId: "main", block: text("t") }) });
    for (let i = 0; i < 99; i++) {
      store.dispatch({ type: "event", event: f.make("session:block:delta", { conversationId: "main", blockId: "t", delta: "x" }) });
      vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(50);

    expect(seen[0]).toBe(1);
    expect(seen.at(-1)).toBe(100);
    expect(seen.length).toBeLessThanOrEqual(4);
    expect(store.state.lastSeq).toBe(100);
  });

  it("keeps the published snapshot stable between notifications", () => {
    const store = new SessionStore("s1", 50);
    const f = new EventFactory();
    store.dispatch({ type: "event", event: f.make("session:turn:started", { turnId: "t" }) });
    const published = store.snapshot();
    store.dispatch({ type: "event", event: f.make("session:turn:completed", { turnId: "t" }) });
    expect(store.snapshot()).toBe(published);
    vi.advanceTimersByTime(50);
    expect(store.snapshot().lastSeq).toBe(2);
  });
});
