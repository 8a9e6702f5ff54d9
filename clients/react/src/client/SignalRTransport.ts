import {
  HubConnectionBuilder,
  HubConnectionState,
  LogLevel,
  type HubConnection,
  type IHttpConnectionOptions,
  type ISubscription,
} from "@microsoft/signalr";
import type { SessionEvent } from "../types/events.js";
import type { SessionListChange } from "../types/sessions.js";
import type { HubTransport, StreamHandle, StreamObserver } from "./HubTransport.js";

/** Where the transport's one hub connection stands, for a reconnect indicator. */
export type HubStatus = "connecting" | "connected" | "reconnecting";

/** Settings of a {@link SignalRTransport}. */
export interface SignalRTransportOptions {
  /** The hub's address, such as `http://127.0.0.1:5080/hubs/sessions`. */
  hubUrl: string;
  /** Sent as the access token (`Authorization: Bearer`, or `access_token` in the query where browsers allow no header). */
  apiKey?: string;
  /** Passed to `withUrl`, e.g. to choose transports. */
  connectionOptions?: IHttpConnectionOptions;
  /** SignalR's own logging; warnings by default. */
  logLevel?: LogLevel;
}

/**
 * The hub over one SignalR connection shared by every stream. It does not reconnect by itself: a stream that broke
 * reports an error, its owner subscribes again after its cursor, and the first subscription to come back starts the
 * connection again. That keeps resuming in one place, the owner, which knows the cursor.
 */
export class SignalRTransport implements HubTransport {
  private readonly connection: HubConnection;
  private starting: Promise<void> | null = null;
  private stopped = false;
  private readonly listeners = new Set<() => void>();
  private current: HubStatus = "connecting";
  private lastError: string | undefined;

  constructor(options: SignalRTransportOptions) {
    const connectionOptions: IHttpConnectionOptions = { ...options.connectionOptions };
    if (options.apiKey) {
      const apiKey = options.apiKey;
      connectionOptions.accessTokenFactory = () => apiKey;
    }
    this.connection = new HubConnectionBuilder()
      .withUrl(options.hubUrl, connectionOptions)
      .configureLogging(options.logLevel ?? LogLevel.Warning)
      .build();
    this.connection.onclose((error) => {
      this.lastError = error?.message;
      this.set("reconnecting");
    });
  }

  /**
   * The connection's status, for `useSyncExternalStore`: "reconnecting" from a drop until a subscription has started
   * the connection again.
   */
  status = (): HubStatus => this.current;

  /** Why the connection last dropped or failed to start. */
  get error(): string | undefined {
    return this.lastError;
  }

  /** Calls `listener` whenever {@link status} changes; returns the unsubscribe function. */
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
    this.stopped = true;
    await this.connection.stop();
  }

  private stream<T>(open: () => { subscribe(observer: StreamObserver<T>): ISubscription<T> }, observer: StreamObserver<T>): StreamHandle {
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
      // A subscription retrying after the provider unmounted must not bring the connection back.
      if (this.stopped) throw new Error("The hub connection was stopped.");
      if (!this.starting) {
        this.starting = this.start().finally(() => (this.starting = null));
      }
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
