import { sessionReducer, type SessionAction } from "./sessionReducer.js";
import { initialSessionState, type SessionState } from "./sessionState.js";
import { Throttle } from "./throttle.js";

/**
 * One session's state and its listeners. Actions apply at once; listeners hear of them at most every
 * `notifyIntervalMs` and read {@link snapshot}, which changes only when they are told, as `useSyncExternalStore` needs.
 */
export class SessionStore {
  private current: SessionState;
  private published: SessionState;
  private readonly listeners = new Set<() => void>();
  private readonly throttle: Throttle;

  constructor(sessionId: string, notifyIntervalMs: number) {
    this.current = this.published = initialSessionState(sessionId);
    this.throttle = new Throttle(notifyIntervalMs, () => this.publish());
  }

  /** The state with every action applied (what the subscription logic reads). */
  get state(): SessionState {
    return this.current;
  }

  /** The state as last published to listeners (what components render). */
  snapshot = (): SessionState => this.published;

  dispatch(action: SessionAction): void {
    const next = sessionReducer(this.current, action);
    if (next === this.current) return;
    this.current = next;
    this.throttle.schedule();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  dispose(): void {
    this.throttle.cancel();
    this.listeners.clear();
  }

  private publish(): void {
    if (this.published === this.current) return;
    this.published = this.current;
    for (const listener of [...this.listeners]) listener();
  }
}
