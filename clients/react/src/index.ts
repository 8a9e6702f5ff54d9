export { AgentServiceProvider, useAgentService } from "./context/AgentServiceProvider.js";
export type { AgentServiceConfig, AgentServiceProviderProps } from "./context/AgentServiceProvider.js";

export { useSessionList } from "./hooks/useSessionList.js";
export type { UseSessionListResult } from "./hooks/useSessionList.js";
export { useAgentSession } from "./hooks/useAgentSession.js";
export type { AgentSessionStatus, UseAgentSessionResult } from "./hooks/useAgentSession.js";
export { useMessages } from "./hooks/useMessages.js";
export type { UseMessagesResult } from "./hooks/useMessages.js";
export { useWorkspaceFiles } from "./hooks/useWorkspaceFiles.js";
export type { UseWorkspaceFilesResult } from "./hooks/useWorkspaceFiles.js";
export { useSubagents } from "./hooks/useSubagents.js";
export type { SubagentView, UseSubagentsResult } from "./hooks/useSubagents.js";
export { useProfiles } from "./hooks/useProfiles.js";
export type { SaveProfileResult, UseProfilesResult } from "./hooks/useProfiles.js";
export { useEvents } from "./hooks/useEvents.js";
export type { UseEventsResult } from "./hooks/useEvents.js";

export * from "./guards.js";

export { AgentRuntimeApiError, isNotFound, isRateLimited, isUnauthorized } from "./client/AgentRuntimeApiError.js";
export type { AgentRuntimeErrorKind } from "./client/AgentRuntimeApiError.js";
export { RestClient } from "./client/RestClient.js";
export type { RestClientOptions, TokenFactory } from "./client/RestClient.js";
export { SignalRTransport } from "./client/SignalRTransport.js";
export type { HubStatus, SignalRTransportOptions } from "./client/SignalRTransport.js";
export type { HubTransport, StreamHandle, StreamObserver } from "./client/HubTransport.js";

export { sessionReducer, orderOf } from "./state/sessionReducer.js";
export type { EventOrder, SessionAction } from "./state/sessionReducer.js";
export { initialSessionState, MAX_RAW_EVENTS } from "./state/sessionState.js";
export type { ConnectionState, SessionState } from "./state/sessionState.js";
export { DEFAULT_RECONNECT } from "./state/reconnect.js";
export { DEFAULT_SESSION_PAGE_SIZE } from "./state/SessionListStore.js";
export type { ReconnectPolicy } from "./state/reconnect.js";

export * from "./types/blocks.js";
export * from "./types/events.js";
export * from "./types/sessions.js";
export * from "./types/api.js";
export * from "./types/auth.js";
export * from "./types/approvals.js";
