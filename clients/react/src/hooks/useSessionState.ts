import { useEffect, useSyncExternalStore } from "react";
import { useAgentService } from "../context/AgentServiceProvider.js";
import type { SessionState } from "../state/sessionState.js";

const noSubscription = () => () => {};
const noState = () => undefined;

/** The state of a session, following it over the hub while mounted; `undefined` without a session id. */
export function useSessionState(sessionId: string | undefined): SessionState | undefined {
  const service = useAgentService();
  const store = sessionId ? service.sessionStore(sessionId) : undefined;
  useEffect(() => (sessionId ? service.retainSession(sessionId) : undefined), [service, sessionId]);
  return useSyncExternalStore(store?.subscribe ?? noSubscription, store?.snapshot ?? noState, store?.snapshot ?? noState);
}
