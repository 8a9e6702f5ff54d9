import { AgentServiceProvider, SignalRTransport, type CallerInfo } from "@agent-runtime/react";
import { useEffect, useState } from "react";
import { AccountControl } from "../auth/AccountControl";
import { CallerContext } from "../auth/CallerContext";
import { SessionView } from "../chat/SessionView";
import { ConnectionIndicator, HubStatusContext } from "../connection/ConnectionIndicator";
import { ProfilesPage } from "../profiles/ProfilesPage";
import { NewSession } from "../sessions/NewSession";
import { SessionList } from "../sessions/SessionList";
import { onLinkClick, useRoute } from "./router";

export interface AppProps {
  apiUrl: string;
  hubUrl: string;
  /** The signed-in key; none on a server without auth. */
  apiKey: string | undefined;
  caller: CallerInfo;
  /** The server answered 401: the key is no longer accepted. */
  onUnauthorized: () => void;
  onSignOut: (() => void) | undefined;
}

/** The signed-in app: one hub connection with the key, shared by the hooks and the connection indicator. */
export function App({ apiUrl, hubUrl, apiKey, caller, onUnauthorized, onSignOut }: AppProps) {
  // One transport for the app's life (a new key mounts a new App); the provider stops it when it unmounts.
  const [transport] = useState(() => new SignalRTransport({ hubUrl, apiKey, onUnauthorized }));
  return (
    <CallerContext.Provider value={caller}>
      <HubStatusContext.Provider value={transport}>
        <AgentServiceProvider apiUrl={apiUrl} hubUrl={hubUrl} apiKey={apiKey} transport={transport} onUnauthorized={onUnauthorized}>
          <Shell caller={caller} onSignOut={onSignOut} />
        </AgentServiceProvider>
      </HubStatusContext.Provider>
    </CallerContext.Provider>
  );
}

function Shell({ caller, onSignOut }: { caller: CallerInfo; onSignOut: (() => void) | undefined }) {
  const route = useRoute();
  const [navOpen, setNavOpen] = useState(false);
  const activeId = route.name === "session" ? route.sessionId : undefined;
  const close = () => setNavOpen(false);

  useEffect(() => {
    document.title = route.name === "new" ? "New session · Agent Runtime" : route.name === "profiles" ? "Profiles · Agent Runtime" : "Agent Runtime";
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
        <AccountControl caller={caller} onSignOut={onSignOut} />
      </header>
      <aside className="sidebar">
        <a href="/new" className="button primary block" onClick={onLinkClick("/new", close)} data-testid="new-session-link">
          + New session
        </a>
        <a href="/profiles" className="button block" onClick={onLinkClick("/profiles", close)} data-testid="profiles-link">
          Profiles
        </a>
        <SessionList activeId={activeId} onNavigate={close} />
      </aside>
      <div className="scrim" onClick={close} aria-hidden="true" />
      <main className="main">
        {route.name === "session" ? (
          <SessionView key={route.sessionId} sessionId={route.sessionId} />
        ) : route.name === "new" ? (
          <NewSession />
        ) : route.name === "profiles" ? (
          <ProfilesPage profileId={route.profileId} />
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
