// Wrong on purpose: the package's types must refuse both uses.
import { AgentServiceProvider, useSessionList } from "@agent-runtime/react";

export function Misuse() {
  const { sessions } = useSessionList();
  const count: string = sessions.length;
  return <AgentServiceProvider apiUrl={5080} hubUrl="http://127.0.0.1:5080/hubs/sessions">{count}</AgentServiceProvider>;
}
