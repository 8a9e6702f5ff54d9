import type { HubTransport } from "../client/HubTransport.js";
import type { RestClient } from "../client/RestClient.js";
import type { MessageContent } from "../types/api.js";
import { DEFAULT_RECONNECT, type ReconnectPolicy } from "./reconnect.js";
import { SessionFeed } from "./SessionFeed.js";
import { SessionListStore } from "./SessionListStore.js";
import { SessionStore } from "./SessionStore.js";

/** Settings of an {@link AgentService}. */
export interface AgentServiceOptions {
  rest: RestClient;
  transport: HubTransport;
  /** The most often components hear of a streaming session's changes; 50 ms by default. */
  notifyIntervalMs?: number;
  reconnect?: ReconnectPolicy;
  /** How long a session's subscription outlives its last component (so a remount resumes it); 1 s by default. */
  lingerMs?: number;
  /** How many sessions the session list reads at a time: its first page and each `loadMore`; 100 by default, 1000 at most. */
  sessionListPageSize?: number;
}

interface SessionEntry {
  store: SessionStore;
  feed: SessionFeed;
  refs: number;
  stopTimer: ReturnType<typeof setTimeout> | null;
}

/**
 * What the provider shares with the hooks: the REST client, the hub, and one store per session followed. A session's
 * store (and so its cursor) lives as long as the service; its subscription runs while a component uses it.
 */
export class AgentService {
  readonly rest: RestClient;
  readonly transport: HubTransport;
  readonly sessionList: SessionListStore;
  private readonly sessions = new Map<string, SessionEntry>();
  private readonly notifyIntervalMs: number;
  private readonly reconnect: ReconnectPolicy;
  private readonly lingerMs: number;

  constructor(options: AgentServiceOptions) {
    this.rest = options.rest;
    this.transport = options.transport;
    this.notifyIntervalMs = options.notifyIntervalMs ?? 50;
    this.reconnect = options.reconnect ?? DEFAULT_RECONNECT;
    this.lingerMs = options.lingerMs ?? 1000;
    this.sessionList = new SessionListStore(
      (limit, cursor) => this.rest.listSessionsPage(cursor === undefined ? { limit } : { limit, cursor }),
      this.transport,
      this.reconnect,
      options.sessionListPageSize,
    );
  }

  /** The session's store, created on first use (without subscribing). */
  sessionStore(sessionId: string): SessionStore {
    return this.entry(sessionId).store;
  }

  /** Follows the session while retained. Returns the release. */
  retainSession(sessionId: string): () => void {
    const entry = this.entry(sessionId);
    if (entry.stopTimer !== null) clearTimeout(entry.stopTimer);
    entry.stopTimer = null;
    if (entry.refs++ === 0) entry.feed.start();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--entry.refs > 0) return;
      entry.stopTimer = setTimeout(() => {
        entry.stopTimer = null;
        if (entry.refs === 0) entry.feed.stop();
      }, this.lingerMs);
    };
  }

  /** Sends a message, bringing the session's subscription back first if it had ended. */
  async sendMessage(sessionId: string, content: MessageContent): Promise<string> {
    this.sessions.get(sessionId)?.feed.revive();
    return this.rest.sendMessage(sessionId, content);
  }

  /**
   * Reads the session's detail again and seeds its store with it when it is newer than what the events built, bringing
   * the subscription back if it had ended: for a view that suspects it fell behind, or after the app was asleep.
   */
  async syncSession(sessionId: string): Promise<void> {
    const entry = this.entry(sessionId);
    entry.feed.revive();
    const detail = await this.rest.getSession(sessionId);
    entry.store.dispatch({ type: "hydrate", detail });
  }

  /** Stops every subscription and closes the hub connection. */
  async dispose(): Promise<void> {
    for (const entry of this.sessions.values()) {
      if (entry.stopTimer !== null) clearTimeout(entry.stopTimer);
      entry.feed.stop();
      entry.store.dispose();
    }
    this.sessions.clear();
    this.sessionList.dispose();
    await this.transport.stop();
  }

  private entry(sessionId: string): SessionEntry {
    let entry = this.sessions.get(sessionId);
    if (!entry) {
      const store = new SessionStore(sessionId, this.notifyIntervalMs);
      const feed = new SessionFeed(sessionId, store, this.transport, this.rest, this.reconnect);
      entry = { store, feed, refs: 0, stopTimer: null };
      this.sessions.set(sessionId, entry);
    }
    return entry;
  }
}
