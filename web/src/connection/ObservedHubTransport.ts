import {
  HubConnectionBuilder,
  HubConnectionState,
  LogLevel,
  type HubConnection,
  type ISubscription,
} from "@microsoft/signalr";
import type { HubTransport, SessionEvent, SessionListChange, StreamHandle, StreamObserver } from "@agent-runtime/react";

/** Where the app's one hub connection stands, for the reconnect indicator. */
export type HubStatus = "connecting" | "connected" | "reconnecting";

// `opened` is newer than some builds of the hooks package; call it when the observer has it.
type Observer<T> = StreamObserver<T> & { opened?: () => void };

/**
 * The hub over one SignalR connection, as the hooks package's own SignalRTransport, plus what the UI needs to show:
 * whether the connection is up. Like the package's transport it does not reconnect by itself — a stream that broke
 * reports an error, its owner (a session feed or the session list) subscribes again after its cursor, and that
 * subscription starts the connection again — so the status is "reconnecting" from a drop until a start succeeds.
 */
export class ObservedHubTransport implements HubTransport {
  private readonly connection: HubConnection;
  private readonly listeners = new Set<() => void>();
  private starting: Promise<void> | null = null;
  private current: HubStatus = "connecting";
  private lastError: string | undefined;

  constructor(hubUrl: string) {
    this.connection = new HubConnectionBuilder().withUrl(hubUrl).configureLogging(LogLevel.Warning).build();
    this.connection.onclose((error) => {
      this.lastError = error?.message;
      this.set("reconnecting");
    });
  }

  /** The status, for `useSyncExternalStore`. */
  status = (): HubStatus => this.current;

  /** Why the connection last dropped or failed to start. */
  get error(): string | undefined {
    return this.lastError;
  }

  onChange = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  subscribeSession(sessionId: string, afterSeq: number, observer: StreamObserver<SessionEvent>): StreamHandle {
    return this.stream(() => this.connection.stream<SessionEvent>("SubscribeSession", sessionId, afterSeq), observer);
  }

  subscribeSessionList(observer: StreamObserver<SessionListChange>): StreamHandle {
    return this.stream(() => this.connection.stream<SessionListChange>("SubscribeSessionList"), observer);
  }

  async stop(): Promise<void> {
    await this.connection.stop();
  }

  private stream<T>(open: () => { subscribe(observer: StreamObserver<T>): ISubscription<T> }, observer: Observer<T>): StreamHandle {
    let disposed = false;
    let subscription: ISubscription<T> | null = null;
    this.connected().then(
      () => {
        if (disposed) return;
        subscription = open().subscribe({
          next: (item) => !disposed && observer.next(item),
          error: (error) => !disposed && observer.error(error),
          complete: () => !disposed && observer.complete(),
        });
        observer.opened?.();
      },
      (error: unknown) => !disposed && observer.error(error),
    );
    return {
      dispose: () => {
        disposed = true;
        subscription?.dispose();
      },
    };
  }

  private async connected(): Promise<void> {
    while (this.connection.state !== HubConnectionState.Connected) {
      this.starting ??= this.start().finally(() => (this.starting = null));
      await this.starting;
    }
  }

  private async start(): Promise<void> {
    if (this.connection.state === HubConnectionState.Disconnected) {
      try {
        await this.connection.start();
        this.lastError = undefined;
        this.set("connected");
      } catch (error) {
        this.lastError = error instanceof Error ? error.message : String(error);
        if (this.current === "connected") this.set("reconnecting");
        throw error;
      }
    } else if (this.connection.state !== HubConnectionState.Connected) {
      // Connecting or disconnecting: let it settle, then look again.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private set(status: HubStatus): void {
    if (status === this.current) return;
    this.current = status;
    for (const listener of [...this.listeners]) listener();
  }
}
