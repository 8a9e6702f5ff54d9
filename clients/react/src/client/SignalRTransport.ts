import {
  DefaultHttpClient,
  HttpClient,
  HttpError,
  HubConnectionBuilder,
  HubConnectionState,
  LogLevel,
  NullLogger,
  type HttpRequest,
  type HttpResponse,
  type HubConnection,
  type IHttpConnectionOptions,
  type ISubscription,
} from "@microsoft/signalr";
import type { ApprovalAnswer } from "../types/approvals.js";
import type { ApprovalResolvedEvent, SessionEvent } from "../types/events.js";
import type { SessionListChange } from "../types/sessions.js";
import { AgentRuntimeApiError } from "./AgentRuntimeApiError.js";
import type { HubTransport, StreamHandle, StreamObserver } from "./HubTransport.js";
import type { TokenFactory } from "./RestClient.js";

/** Where the transport's one hub connection stands, for a reconnect indicator. */
export type HubStatus = "connecting" | "connected" | "reconnecting";

/** Settings of a {@link SignalRTransport}. */
export interface SignalRTransportOptions {
  /** The hub's address, such as `http://127.0.0.1:5080/hubs/sessions`. */
  hubUrl: string;
  /** Sent as the access token (`Authorization: Bearer`, or `access_token` in the query where browsers allow no header). */
  apiKey?: string;
  /** Asked for the access token each time the connection starts; used instead of `apiKey` when given. */
  getToken?: TokenFactory;
  /** Told when the server refuses the connection with 401, so an app can show its sign-in screen. */
  onUnauthorized?: (error: AgentRuntimeApiError) => void;
  /** Passed to `withUrl`, e.g. to choose transports. */
  connectionOptions?: IHttpConnectionOptions;
  /** SignalR's own logging; warnings by default. */
  logLevel?: LogLevel;
}

/**
 * The hub over one SignalR connection shared by every stream. It does not reconnect by itself: a stream that broke
 * reports an error, its owner subscribes again after its cursor, and the first subscription to come back starts the
 * connection again. That keeps resuming in one place, the owner, which knows the cursor.
 *
 * A start the server refuses over HTTP (401 without a valid credential, 403, 429) fails with an
 * {@link AgentRuntimeApiError} of that status, as a REST call would, so owners can tell it from a dropped network.
 */
export class SignalRTransport implements HubTransport {
  private readonly connection: HubConnection;
  private starting: Promise<void> | null = null;
  private stopped = false;
  private readonly listeners = new Set<() => void>();
  private current: HubStatus = "connecting";
  private lastError: string | undefined;
  private lastHttpError: HttpError | undefined;
  private readonly onUnauthorized: ((error: AgentRuntimeApiError) => void) | undefined;

  constructor(options: SignalRTransportOptions) {
    // The runtime takes no cookies, and SignalR's default (send them) makes a browser refuse the negotiate answer of a
    // server on another origin, which allows that origin without credentials.
    const connectionOptions: IHttpConnectionOptions = { withCredentials: false, ...options.connectionOptions };
    const apiKey = options.apiKey;
    const getToken = options.getToken ?? (apiKey ? () => apiKey : undefined);
    if (getToken) connectionOptions.accessTokenFactory = getToken;
    // SignalR turns a refused negotiate into an error that has lost its status code; watching the HTTP calls keeps it.
    // The inner client logs nothing of its own: the connection logs the same failure at its own level.
    connectionOptions.httpClient = new StatusRecordingHttpClient(
      connectionOptions.httpClient ?? new DefaultHttpClient(NullLogger.instance),
      (error) => (this.lastHttpError = error),
    );
    this.onUnauthorized = options.onUnauthorized;
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

  /** The hub's `Interrupt(sessionId)`: stops the session's running turn and resolves to its id (as `RestClient.interrupt`). */
  async interrupt(sessionId: string): Promise<string> {
    await this.connected();
    return this.connection.invoke<string>("Interrupt", sessionId);
  }

  /** The hub's `AnswerApproval`: answers a pending approval and resolves to the logged event (as `RestClient.answerApproval`). */
  async answerApproval(sessionId: string, approvalId: string, answer: ApprovalAnswer): Promise<ApprovalResolvedEvent> {
    await this.connected();
    return this.connection.invoke<ApprovalResolvedEvent>("AnswerApproval", sessionId, approvalId, answer);
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
      this.lastHttpError = undefined;
      try {
        await this.connection.start();
        this.lastError = undefined;
        this.set("connected");
      } catch (error) {
        const refused = this.refusal();
        this.lastError = refused?.message ?? (error instanceof Error ? error.message : String(error));
        if (this.current === "connected") this.set("reconnecting");
        if (refused?.status === 401) this.onUnauthorized?.(refused);
        throw refused ?? error;
      }
    } else if (this.connection.state !== HubConnectionState.Connected) {
      // Connecting or disconnecting: let it settle, then look again.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The server's refusal of the last start, when an HTTP call failed with a status a retry alone cannot fix. */
  private refusal(): AgentRuntimeApiError | undefined {
    const error = this.lastHttpError;
    if (!error || ![401, 403, 429].includes(error.statusCode)) return undefined;
    // HttpError's message is the answer's body (problem details) and then ": Status code 'N'".
    const body = error.message.replace(/: Status code '\d+'$/, "");
    let title = defaultTitles[error.statusCode] ?? "Error";
    let detail: string | undefined;
    try {
      const problem = JSON.parse(body) as { title?: string; detail?: string };
      title = problem.title ?? title;
      detail = problem.detail;
    } catch {
      detail = body && body !== title ? body.slice(0, 500) : undefined;
    }
    return new AgentRuntimeApiError(error.statusCode, title, detail);
  }

  private set(status: HubStatus): void {
    if (status === this.current) return;
    this.current = status;
    for (const listener of [...this.listeners]) listener();
  }
}

const defaultTitles: Record<number, string> = { 401: "Unauthorized", 403: "Forbidden", 429: "Too Many Requests" };

/** Passes every request to `inner`, and hands each {@link HttpError} to `record` before it propagates. */
class StatusRecordingHttpClient extends HttpClient {
  constructor(
    private readonly inner: HttpClient,
    private readonly record: (error: HttpError) => void,
  ) {
    super();
  }

  override async send(request: HttpRequest): Promise<HttpResponse> {
    try {
      return await this.inner.send(request);
    } catch (error) {
      if (error instanceof HttpError) this.record(error);
      throw error;
    }
  }

  override getCookieString(url: string): string {
    return this.inner.getCookieString(url);
  }
}
