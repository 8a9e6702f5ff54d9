import { AgentServiceProvider, type SignalRTransport } from "@agent-runtime/react";
import { useEffect, useState } from "react";
import { SessionView } from "../chat/SessionView";
import { ConnectionIndicator, HubStatusContext } from "../connection/ConnectionIndicator";
import { NewSession } from "../sessions/NewSession";
import { SessionList } from "../sessions/SessionList";
import { onLinkClick, useRoute } from "./router";

export interface AppProps {
  apiUrl: string;
  hubUrl: string;
  transport: SignalRTransport;
}

export function App({ apiUrl, hubUrl, transport }: AppProps) {
  return (
    <HubStatusContext.Provider value={transport}>
      <AgentServiceProvider apiUrl={apiUrl} hubUrl={hubUrl} transport={transport}>
        <Shell />
      </AgentServiceProvider>
    </HubStatusContext.Provider>
  );
}

function Shell() {
  const route = useRoute();
  const [navOpen, setNavOpen] = useState(false);
  const activeId = route.name === "session" ? route.sessionId : undefined;
  const close = () => setNavOpen(false);

  useEffect(() => {
    document.title = route.name === "new" ? "New session · Agent Runtime" : "Agent Runtime";
  }, [route]);

  return (
    <div className={`app${navOpen ? " nav-open" : ""}`}>
      <header className="topbar">
        <button type="button" className="menu-button" onClick={() => setNavOpen(!navOpen)} aria-label="Sessions" aria-expanded={navOpen}>
          <span />
          <span />
          <span />
        </button>
        <a href="/" className="brand" onClick={onLinkClick("/", close)}>
          <span className="brand-mark" aria-hidden="true" />
          Agent Runtime
        </a>
        <ConnectionIndicator />
      </header>
      <aside className="sidebar">
        <a href="/new" className="button primary block" onClick={onLinkClick("/new", close)} data-testid="new-session-link">
          + New session
        </a>
        <SessionList activeId={activeId} onNavigate={close} />
      </aside>
      <div className="scrim" onClick={close} aria-hidden="true" />
      <main className="main">
        {route.name === "session" ? (
          <SessionView key={route.sessionId} sessionId={route.sessionId} />
        ) : route.name === "new" ? (
          <NewSession />
        ) : (
          <Welcome />
        )}
      </main>
    </div>
  );
}

function Welcome() {
  return (
    <div className="page welcome">
      <h1>Agent Runtime</h1>
      <p className="muted">
        Coding agents in sandboxes. Start a session, send a message, and watch the agent think, run tools and write files — live.
      </p>
      <a href="/new" className="button primary" onClick={onLinkClick("/new")}>
        Start a new session
      </a>
      <p className="muted small">Or pick a session on the left to continue it.</p>
    </div>
  );
}
