import type { SandboxStatus, SessionListItem } from "@agent-runtime/react";

const sandboxLabels: Record<SandboxStatus, string> = {
  starting: "Sandbox starting",
  ready: "Sandbox ready",
  unhealthy: "Sandbox unhealthy",
  terminated: "Sandbox stopped",
};

/** A session's turn state and sandbox status as two small chips. */
export function StatusChips({ session }: { session: Pick<SessionListItem, "turnState" | "runtime"> }) {
  const sandbox = session.runtime?.sandbox ?? null;
  return (
    <span className="chips">
      <span className={`chip chip-turn-${session.turnState}`} data-testid="turn-state" data-state={session.turnState}>
        {session.turnState === "running" ? (
          <>
            <span className="spinner" aria-hidden="true" /> Working
          </>
        ) : session.turnState === "awaiting_approval" ? (
          <>
            <span aria-hidden="true">?</span> Needs approval
          </>
        ) : (
          "Idle"
        )}
      </span>
      <span className={`chip chip-sandbox-${sandbox?.status ?? "none"}`} data-testid="sandbox-state" data-state={sandbox?.status ?? "none"}>
        <span className="chip-dot" aria-hidden="true" />
        {sandbox ? sandboxLabels[sandbox.status] : "No sandbox"}
        {sandbox && sandbox.restartCount > 0 ? ` · restarted ${sandbox.restartCount}×` : ""}
      </span>
    </span>
  );
}
