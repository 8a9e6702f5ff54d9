import { isAccessDenied, isNotFound } from "../client/AgentRuntimeApiError.js";
import type { HubTransport, StreamHandle } from "../client/HubTransport.js";
import type { SessionDetail } from "../types/sessions.js";
import { delayBefore, describeError, type ReconnectPolicy } from "./reconnect.js";
import type { SessionStore } from "./SessionStore.js";

/** What the feed needs of the REST API. */
export interface SessionLookup {
  getSession(sessionId: string): Promise<SessionDetail>;
}

/**
 * Keeps a {@link SessionStore} following its session over the hub. It seeds the store from the session's detail, then
 * subscribes after the store's `lastSeq`. The cursor lives in the store, not in the subscription, so every
 * resubscription — after a dropped connection, a gap the reducer noticed, or a server restart — starts after the last
 * event actually applied: nothing is missed and nothing is applied twice.
 *
 * When a stream ends or fails, the REST API tells whether the session still exists: a deleted session ends the feed;
 * otherwise it subscribes again after a pause, and gives up after `maxAttempts` failures in a row. A 401 or 403 (the
 * key was deleted, say) ends the feed at once with that error: the same credential will not do better next time.
 */
export class SessionFeed {
  private generation = 0;
  private handle: StreamHandle | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private running = false;

  constructor(
    private readonly sessionId: string,
    private readonly store: SessionStore,
    private readonly transport: HubTransport,
    private readonly lookup: SessionLookup,
    private readonly reconnect: ReconnectPolicy,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    if (!this.store.state.hydrated && this.store.state.lastSeq === 0) {
      void this.hydrateThenSubscribe();
    } else {
      this.store.dispatch({ type: "resubscribe" });
      this.subscribe();
    }
  }

  stop(): void {
    this.running = false;
    this.generation++;
    this.handle?.dispose();
    this.handle = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.store.dispatch({ type: "connection", connection: "idle" });
  }

  /** Subscribes again at once if the feed had ended or given up (a message sent to the session brings it back). */
  revive(): void {
    if (this.running && this.store.state.connection === "ended") {
      this.attempt = 0;
      this.store.dispatch({ type: "resubscribe" });
      this.subscribe();
    }
  }

  private async hydrateThenSubscribe(): Promise<void> {
    const generation = ++this.generation;
    this.store.dispatch({ type: "connection", connection: "connecting" });
    try {
      const detail = await this.lookup.getSession(this.sessionId);
      if (generation !== this.generation) return;
      this.store.dispatch({ type: "hydrate", detail });
    } catch (error) {
      if (generation !== this.generation) return;
      if (isNotFound(error) || isAccessDenied(error)) {
        this.store.dispatch({ type: "connection", connection: "ended", error: describeError(error) });
        return;
      }
      // The server may be briefly away; the subscription replays the whole log instead.
    }
    this.subscribe();
  }

  private subscribe(): void {
    const generation = ++this.generation;
    this.handle = this.transport.subscribeSession(this.sessionId, this.store.state.lastSeq, {
      opened: () => {
        if (generation === this.generation) this.store.dispatch({ type: "connection", connection: "live" });
      },
      next: (event) => {
        if (generation !== this.generation) return;
        const before = this.store.state.lastSeq;
        this.store.dispatch({ type: "event", event });
        if (this.store.state.gap) {
          this.restartAfterGap();
        } else if (this.store.state.lastSeq !== before) {
          this.attempt = 0;
        }
      },
      error: (error) => {
        if (generation === this.generation) void this.ended(generation, error);
      },
      complete: () => {
        if (generation === this.generation) void this.ended(generation, undefined);
      },
    });
  }

  private restartAfterGap(): void {
    this.generation++;
    this.handle?.dispose();
    this.handle = null;
    if (++this.attempt > this.reconnect.maxAttempts) {
      this.store.dispatch({ type: "connection", connection: "ended", error: "The server keeps skipping events." });
      return;
    }
    this.store.dispatch({ type: "resubscribe" });
    // Not from inside the old stream's callback: let it unwind first.
    queueMicrotask(() => this.running && this.subscribe());
  }

  private async ended(generation: number, error: unknown): Promise<void> {
    this.handle = null;
    let exists = true;
    let denied: unknown;
    if (isAccessDenied(error)) {
      denied = error;
    } else {
      try {
        await this.lookup.getSession(this.sessionId);
      } catch (lookupError) {
        exists = !isNotFound(lookupError);
        if (isAccessDenied(lookupError)) denied = lookupError;
      }
    }
    if (generation !== this.generation || !this.running) return;
    if (denied !== undefined) {
      this.store.dispatch({ type: "connection", connection: "ended", error: describeError(denied) });
      return;
    }
    if (!exists) {
      this.store.dispatch({ type: "connection", connection: "ended", deleted: true });
      return;
    }
    if (++this.attempt > this.reconnect.maxAttempts) {
      this.store.dispatch({ type: "connection", connection: "ended", error: error === undefined ? "The stream keeps ending." : describeError(error) });
      return;
    }
    this.store.dispatch({ type: "resubscribe" });
    this.timer = setTimeout(() => {
      this.timer = null;
      if (generation === this.generation && this.running) this.subscribe();
    }, delayBefore(this.reconnect, this.attempt));
  }
}
