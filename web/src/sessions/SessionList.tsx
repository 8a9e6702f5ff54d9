import { useSessionList } from "@agent-runtime/react";
import { architectureLabel, sessionTitle, timeAgo } from "../app/format";
import { onLinkClick, sessionPath } from "../app/router";
import { useNow } from "../app/useNow";
import { useCaller } from "../auth/CallerContext";
import { StatusChips } from "./StatusChips";

/** The sessions, most recently active first, with live turn and sandbox status; older ones a page at a time. */
export function SessionList({ activeId, onNavigate }: { activeId: string | undefined; onNavigate?: () => void }) {
  const { sessions, isLoading, error, hasMore, isLoadingMore, loadMore } = useSessionList();
  const now = useNow();
  // An admin's list holds every tenant's sessions: the others are marked with their tenant.
  const ownTenant = useCaller()?.tenantId;

  if (isLoading && sessions.length === 0) return <p className="muted pad">Loading sessions…</p>;
  return (
    <nav className="session-list" aria-label="Sessions">
      {error && <p className="notice notice-error">{error}</p>}
      {sessions.length === 0 && !error && <p className="muted pad">No sessions yet.</p>}
      <ul>
        {sessions.map((session) => (
          <li key={session.sessionId}>
            <a
              href={sessionPath(session.sessionId)}
              onClick={onLinkClick(sessionPath(session.sessionId), onNavigate)}
              className={`session-item${session.sessionId === activeId ? " active" : ""}`}
              aria-current={session.sessionId === activeId ? "page" : undefined}
              data-testid="session-item"
              data-session-id={session.sessionId}
            >
              <span className="session-item-title">{sessionTitle(session)}</span>
              <span className="session-item-meta">
                {architectureLabel[session.architecture] ?? session.architecture} · {session.agentProfileRef} ·{" "}
                {timeAgo(session.lastActivity, now)}
                {ownTenant && session.tenantId && session.tenantId !== ownTenant && (
                  <>
                    {" · "}
                    <span className="session-item-tenant" data-testid="session-tenant">
                      tenant {session.tenantId}
                    </span>
                  </>
                )}
              </span>
              <StatusChips session={session} />
            </a>
          </li>
        ))}
      </ul>
      {hasMore && (
        <button type="button" className="button small ghost block session-list-more" onClick={() => void loadMore()} disabled={isLoadingMore} data-testid="session-list-more">
          {isLoadingMore ? "Loading…" : "Older sessions"}
        </button>
      )}
    </nav>
  );
}
