import type { SessionEvent } from "../types/events.js";
import type { SessionListChange } from "../types/sessions.js";

/** Receives one server-to-client stream: `opened`, items, then `complete` or `error` (never both). */
export interface StreamObserver<T> {
  /** The subscription was sent to the server over a connected hub. */
  opened?(): void;
  next(item: T): void;
  error(error: unknown): void;
  complete(): void;
}

/** Ends a stream; no callback runs after it. */
export interface StreamHandle {
  dispose(): void;
}

/**
 * The hub's two streams (docs/protocol.md, "SignalR hub"). {@link SignalRTransport} is the real one; tests pass
 * their own to the provider.
 */
export interface HubTransport {
  /** `SubscribeSession(sessionId, afterSeq)`: the logged events after `afterSeq`, then live ones. */
  subscribeSession(sessionId: string, afterSeq: number, observer: StreamObserver<SessionEvent>): StreamHandle;
  /** `SubscribeSessionList()`: created, updated and deleted sessions. */
  subscribeSessionList(observer: StreamObserver<SessionListChange>): StreamHandle;
  /** Closes the connection. */
  stop(): Promise<void>;
}
