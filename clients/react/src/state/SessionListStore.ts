import type { HubTransport, StreamHandle } from "../client/HubTransport.js";
import type { SessionListChange, SessionListItem, SessionListPage } from "../types/sessions.js";
import { isAccessDenied } from "../client/AgentRuntimeApiError.js";
import { delayBefore, describeError, type ReconnectPolicy } from "./reconnect.js";

/** The session list as `useSessionList` renders it. */
export interface SessionListState {
  /** Most recently active first: the newest pages read so far, kept current by the hub. */
  sessions: SessionListItem[];
  isLoading: boolean;
  /** Whether the server has older sessions than those read; `loadMore` reads the next page. */
  hasMore: boolean;
  /** Whether `loadMore` is reading a page. */
  isLoadingMore: boolean;
  error?: string;
}

/** Reads one page of the session list: at most `limit` sessions after `cursor` (from the start without one). */
export type SessionPageReader = (limit: number, cursor: string | undefined) => Promise<SessionListPage>;

/** How many sessions the list reads at a time unless told otherwise. */
export const DEFAULT_SESSION_PAGE_SIZE = 100;

/**
 * The session list: read over REST a page at a time (the newest first, older ones on `loadMore`), then kept current by
 * the hub's list changes. The list has no log to resume from, so after every (re)subscription it is read again, as many
 * sessions as were shown, and changes that arrive while a read is under way are applied on top of it. A page's cursor
 * names a place in the list, so a session that became active again while older pages were read is not read twice: it
 * moved ahead, where the hub's change put it. The server lists the caller's tenant's sessions only. A 401 or 403 stops
 * the retries: the same credential will not do better next time.
 */
export class SessionListStore {
  private state: SessionListState = { sessions: [], isLoading: true, hasMore: false, isLoadingMore: false };
  private readonly listeners = new Set<() => void>();
  /** Changes heard while a read is under way, one list per read, applied again on top of what it read. */
  private readonly pending = new Set<SessionListChange[]>();
  private handle: StreamHandle | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private generation = 0;
  /** Bumped by every whole read, so a page read before it is not added to what it read. */
  private epoch = 0;
  private cursor: string | null = null;
  private attempt = 0;
  private refs = 0;

  constructor(
    private readonly readPage: SessionPageReader,
    private readonly transport: HubTransport,
    private readonly reconnect: ReconnectPolicy,
    private readonly pageSize: number = DEFAULT_SESSION_PAGE_SIZE,
  ) {}

  snapshot = (): SessionListState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Starts following while at least one component wants the list. Returns the release. */
  retain(): () => void {
    if (this.refs++ === 0) this.connect();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.refs === 0) this.disconnect();
    };
  }

  /** Stops following for good. */
  dispose(): void {
    this.refs = 0;
    this.disconnect();
    this.listeners.clear();
  }

  /** Reads the list again from the start: at least a page, and as many sessions as it shows now. */
  async refresh(): Promise<void> {
    const generation = this.generation;
    const epoch = ++this.epoch;
    const changes: SessionListChange[] = [];
    this.pending.add(changes);
    try {
      const wanted = Math.max(this.pageSize, this.state.sessions.length);
      const sessions: SessionListItem[] = [];
      let cursor: string | null = null;
      do {
        const page = await this.readPage(this.pageSize, cursor ?? undefined);
        if (generation !== this.generation || epoch !== this.epoch) return;
        sessions.push(...page.sessions);
        cursor = page.nextCursor;
      } while (cursor !== null && sessions.length < wanted);
      this.cursor = cursor;
      this.set({ sessions: sort(changes.reduce(applyChange, dedupe(sessions))), isLoading: false, hasMore: cursor !== null, isLoadingMore: false });
    } catch (error) {
      if (generation === this.generation && epoch === this.epoch) this.set({ ...this.state, isLoading: false, isLoadingMore: false, error: describeError(error) });
    } finally {
      this.pending.delete(changes);
    }
  }

  /** Reads the next page of older sessions, if there is one and no read is under way. */
  async loadMore(): Promise<void> {
    const cursor = this.cursor;
    if (cursor === null || this.state.isLoading || this.state.isLoadingMore) return;
    const generation = this.generation;
    const epoch = this.epoch;
    const changes: SessionListChange[] = [];
    this.pending.add(changes);
    this.set({ ...this.state, isLoadingMore: true });
    try {
      const page = await this.readPage(this.pageSize, cursor);
      if (generation !== this.generation || epoch !== this.epoch) return;
      // A session already shown is shown as the hub last told of it, not as the page read it.
      const shown = new Set(this.state.sessions.map((s) => s.sessionId));
      const sessions = [...this.state.sessions, ...page.sessions.filter((s) => !shown.has(s.sessionId))];
      this.cursor = page.nextCursor;
      this.set({ ...this.state, sessions: sort(changes.reduce(applyChange, sessions)), hasMore: page.nextCursor !== null, isLoadingMore: false, error: undefined });
    } catch (error) {
      if (generation === this.generation && epoch === this.epoch) this.set({ ...this.state, isLoadingMore: false, error: describeError(error) });
    } finally {
      this.pending.delete(changes);
    }
  }

  private connect(): void {
    const generation = ++this.generation;
    this.handle = this.transport.subscribeSessionList({
      // Read the list once the subscription is on its way, so a change is either in the list read or streamed after it.
      opened: () => generation === this.generation && void this.refresh(),
      next: (change) => {
        if (generation !== this.generation) return;
        this.attempt = 0;
        for (const changes of this.pending) changes.push(change);
        this.set({ ...this.state, sessions: sort(applyChange(this.state.sessions, change)) });
      },
      error: (error) => {
        if (generation !== this.generation) return;
        if (isAccessDenied(error)) this.deny(error);
        else this.retry(generation, describeError(error));
      },
      complete: () => generation === this.generation && this.retry(generation, undefined),
    });
  }

  private retry(generation: number, error: string | undefined): void {
    this.handle = null;
    // Without the hub, the list can still be read once.
    if (this.state.isLoading) void this.refresh();
    if (++this.attempt > this.reconnect.maxAttempts) {
      this.set({ ...this.state, error: error ?? "The session list stream keeps ending." });
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      if (generation === this.generation && this.refs > 0) this.connect();
    }, delayBefore(this.reconnect, this.attempt));
  }

  /** Gives up on the hub for this credential; the list read over REST says the same, or has already. */
  private deny(error: unknown): void {
    this.handle = null;
    this.set({ ...this.state, isLoading: false, error: describeError(error) });
  }

  private disconnect(): void {
    this.generation++;
    this.handle?.dispose();
    this.handle = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private set(state: SessionListState): void {
    this.state = state;
    for (const listener of [...this.listeners]) listener();
  }
}

/** Applies one list change. */
export function applyChange(sessions: SessionListItem[], change: SessionListChange): SessionListItem[] {
  const rest = sessions.filter((s) => s.sessionId !== change.sessionId);
  return change.kind === "deleted" || !change.session ? rest : [...rest, change.session];
}

/** Keeps the first of each session: pages read one after another can meet one that moved between them. */
function dedupe(sessions: SessionListItem[]): SessionListItem[] {
  const seen = new Set<string>();
  return sessions.filter((s) => !seen.has(s.sessionId) && (seen.add(s.sessionId), true));
}

function sort(sessions: SessionListItem[]): SessionListItem[] {
  return [...sessions].sort((a, b) => Date.parse(b.lastActivity) - Date.parse(a.lastActivity));
}
