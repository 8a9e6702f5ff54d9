import { AgentServiceProvider, useSessionList, type HubTransport } from "@agent-runtime/react";

export interface AppProps {
  apiUrl: string;
  fetch?: typeof fetch;
  transport?: HubTransport;
}

export function App({ apiUrl, fetch, transport }: AppProps) {
  return (
    <AgentServiceProvider apiUrl={apiUrl} hubUrl={`${apiUrl}/hubs/sessions`} apiKey="ar_sample.key" fetch={fetch} transport={transport} notifyIntervalMs={0}>
      <Sessions />
    </AgentServiceProvider>
  );
}

function Sessions() {
  const { sessions, isLoading, error } = useSessionList();
  if (error) return <p role="alert">{error}</p>;
  if (isLoading) return <p>Loading…</p>;
  return (
    <ul>
      {sessions.map((s) => (
        <li key={s.sessionId}>{s.name ?? s.sessionId}</li>
      ))}
    </ul>
  );
}
