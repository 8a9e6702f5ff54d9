import type { HubTransport, StreamHandle, StreamObserver } from "../../src/client/HubTransport.js";
import type { SessionEvent } from "../../src/types/events.js";
import type { SessionListChange } from "../../src/types/sessions.js";

/** One subscription the code under test opened on the {@link FakeHub}. */
export interface FakeStream<T> {
  afterSeq: number;
  observer: StreamObserver<T>;
  disposed: boolean;
}

/** A hub the test drives by hand: it records each subscription and pushes items, errors and completions into it. */
export class FakeHub implements HubTransport {
  readonly sessionStreams: FakeStream<SessionEvent>[] = [];
  readonly listStreams: FakeStream<SessionListChange>[] = [];
  stopped = false;

  subscribeSession(_sessionId: string, afterSeq: number, observer: StreamObserver<SessionEvent>): StreamHandle {
    const stream = { afterSeq, observer, disposed: false };
    this.sessionStreams.push(stream);
    return { dispose: () => (stream.disposed = true) };
  }

  subscribeSessionList(observer: StreamObserver<SessionListChange>): StreamHandle {
    const stream = { afterSeq: 0, observer, disposed: false };
    this.listStreams.push(stream);
    observer.opened?.();
    return { dispose: () => (stream.disposed = true) };
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }

  /** The newest session subscription. */
  get current(): FakeStream<SessionEvent> {
    const stream = this.sessionStreams.at(-1);
    if (!stream) throw new Error("nothing subscribed");
    return stream;
  }

  /** Pushes events into the newest subscription, as the server would, while it is open. */
  push(...events: SessionEvent[]): void {
    const stream = this.current;
    for (const event of events) if (!stream.disposed) stream.observer.next(event);
  }
}
