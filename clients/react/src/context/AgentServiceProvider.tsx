import type { IHttpConnectionOptions, LogLevel } from "@microsoft/signalr";
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import type { AgentRuntimeApiError } from "../client/AgentRuntimeApiError.js";
import type { HubTransport } from "../client/HubTransport.js";
import { RestClient, type TokenFactory } from "../client/RestClient.js";
import { SignalRTransport } from "../client/SignalRTransport.js";
import { AgentService } from "../state/AgentService.js";
import type { ReconnectPolicy } from "../state/reconnect.js";

/** Settings of the {@link AgentServiceProvider}. */
export interface AgentServiceConfig {
  /** The server's address, such as `http://127.0.0.1:5080`. */
  apiUrl: string;
  /** The hub's address, such as `http://127.0.0.1:5080/hubs/sessions`. */
  hubUrl: string;
  /** An API key (`ar_….…`), sent as `Authorization: Bearer` and as the hub's access token. */
  apiKey?: string;
  /**
   * Asked for the bearer token before every REST call and each time the hub connects, e.g. to hand out a JWT that the
   * app refreshes; used instead of `apiKey` when given. The latest function passed is the one called.
   */
  getToken?: TokenFactory;
  /**
   * Told whenever the server answers 401 (a REST call, or the hub refusing to connect): the key is missing, unknown
   * or deleted. Apps show their sign-in screen here. The latest function passed is the one called.
   */
  onUnauthorized?: (error: AgentRuntimeApiError) => void;
  /** The most often components re-render for a streaming session; 50 ms by default. */
  notifyIntervalMs?: number;
  /** Pauses and attempt limit for resubscribing after a drop. */
  reconnect?: ReconnectPolicy;
  /** How many sessions `useSessionList` reads at a time: its first page and each `loadMore`; 100 by default, 1000 at most. */
  sessionListPageSize?: number;
  /** Passed to SignalR's `withUrl`, e.g. `{ transport: HttpTransportType.WebSockets, skipNegotiation: true }`. */
  hubConnectionOptions?: IHttpConnectionOptions;
  /** SignalR's own logging to the console; warnings by default (a dropped connection logs an error). */
  hubLogLevel?: LogLevel;
  /** Replaces the SignalR hub (for tests, or to share one): give it its own `apiKey` or `getToken` and `onUnauthorized`. */
  transport?: HubTransport;
  /** Replaces the global fetch for REST calls. */
  fetch?: typeof fetch;
}

/** Props of the {@link AgentServiceProvider}: the config, flat (`apiUrl`, `hubUrl`, `apiKey`) or as `config`. */
export type AgentServiceProviderProps = (AgentServiceConfig | { config: AgentServiceConfig }) & { children?: ReactNode };

const AgentServiceContext = createContext<AgentService | null>(null);

/**
 * Connects the hooks below it to one agent runtime server: one REST client, one hub connection, and the state of every
 * session they follow. Changing `apiUrl`, `hubUrl` or `apiKey` starts over with a new connection.
 */
export function AgentServiceProvider(props: AgentServiceProviderProps) {
  const config = "config" in props ? props.config : props;
  const { apiUrl, hubUrl, apiKey } = config;
  const [service, setService] = useState<AgentService | null>(null);
  // Callbacks are often inline functions: a new one each render must not start a new connection.
  const latest = useRef(config);
  useEffect(() => {
    latest.current = config;
  });

  useEffect(() => {
    const getToken = () => latest.current.getToken?.() ?? apiKey ?? "";
    const onUnauthorized = (error: AgentRuntimeApiError) => latest.current.onUnauthorized?.(error);
    const created = new AgentService({
      rest: new RestClient({ apiUrl, getToken, onUnauthorized, fetch: config.fetch }),
      transport:
        config.transport ??
        new SignalRTransport({ hubUrl, getToken, onUnauthorized, connectionOptions: config.hubConnectionOptions, logLevel: config.hubLogLevel }),
      notifyIntervalMs: config.notifyIntervalMs,
      reconnect: config.reconnect,
      sessionListPageSize: config.sessionListPageSize,
    });
    setService(created);
    return () => {
      setService(null);
      void created.dispose();
    };
    // The other settings are read once per connection, like the connection options they are.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [apiUrl, hubUrl, apiKey]);

  return service ? <AgentServiceContext.Provider value={service}>{props.children}</AgentServiceContext.Provider> : null;
}

/** The service of the nearest {@link AgentServiceProvider}; throws outside one. */
export function useAgentService(): AgentService {
  const service = useContext(AgentServiceContext);
  if (!service) throw new Error("Agent runtime hooks must be used inside an <AgentServiceProvider>.");
  return service;
}
