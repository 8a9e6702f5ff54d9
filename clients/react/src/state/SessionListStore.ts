import type { HubTransport, StreamHandle } from "../client/HubTransport.js";
import type { SessionListChange, SessionListItem } from "../types/sessions.js";
import { isAccessDenied } from "../client/AgentRuntimeApiError.js";
import { delayBefore, describeError, type ReconnectPolicy } from "./reconnect.js";

/** The session list as `useSessionList` renders it. */
export interface SessionListState {
  /** Most recently active first. */
  sessions: SessionListItem[];
  isLoading: boolean;
  error?: string;
}

/**
 * The session list: read over REST, then kept current by the hub's list changes. The list has no log to resume from,
 * so after every (re)subscription it is read again, and changes that arrive while that read is under way are applied
 * on top of it. The server lists the caller's tenant's sessions only. A 401 or 403 stops the retries: the same
 * credential will not do better next time.
 */
export class SessionListStore {
  private state: SessionListState = { sessions: [], isLoading: true };
  private readonly listeners = new Set<() => void>();
  private handle: StreamHandle | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private generation = 0;
  private attempt = 0;
  private refs = 0;

  constructor(
    private readonly list: () => Promise<SessionListItem[]>,
    private readonly transport: HubTransport,
    private readonly reconnect: ReconnectPolicy,
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

  /** Reads the list again. */
  async refresh(): Promise<void> {
    const generation = this.generation;
    const pending: SessionListChange[] = [];
    this.buffer = pending;
    try {
      const sessions = await this.list();
      if (generation !== this.generation) return;
      this.set({ sessions: sort(pending.reduce(applyChange, sessions)), isLoading: false });
    } catch (error) {
      if (generation === this.generation) this.set({ ...this.state, isLoading: false, error: describeError(error) });
    } finally {
      if (this.buffer === pending) this.buffer = null;
    }
  }

  private buffer: SessionListChange[] | null = null;

  private connect(): void {
    const generation = ++this.generation;
    this.handle = this.transport.subscribeSessionList({
      // Read the list once the subscription is on its way, so a change is either in the list read or streamed after it.
      opened: () => generation === this.generation && void this.refresh(),
      next: (change) => {
        if (generation !== this.generation) return;
        this.attempt = 0;
        this.buffer?.push(change);
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

function sort(sessions: SessionListItem[]): SessionListItem[] {
  return [...sessions].sort((a, b) => Date.parse(b.lastActivity) - Date.parse(a.lastActivity));
}
