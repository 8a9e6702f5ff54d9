import { createContext, useContext, useSyncExternalStore } from "react";
import type { HubStatus, SignalRTransport } from "@agent-runtime/react";

export const HubStatusContext = createContext<SignalRTransport | null>(null);

const labels: Record<HubStatus, string> = {
  connecting: "Connecting…",
  connected: "Live",
  reconnecting: "Reconnecting…",
};

/** The hub connection's state: a calm dot while live, a pulsing one while (re)connecting. */
export function ConnectionIndicator() {
  const transport = useContext(HubStatusContext);
  const status = useSyncExternalStore(
    transport?.onChange ?? noSubscription,
    transport?.status ?? connectedStatus,
    transport?.status ?? connectedStatus,
  );
  const title = status === "connected" ? "Connected to the server; updates arrive live." : transport?.error ?? labels[status];
  return (
    <div className={`connection connection-${status}`} data-testid="connection" data-state={status} title={title} role="status" aria-live="polite">
      <span className="connection-dot" aria-hidden="true" />
      <span className="connection-label">{labels[status]}</span>
    </div>
  );
}

const noSubscription = () => () => {};
const connectedStatus = (): HubStatus => "connected";
