import type { CallerInfo } from "@agent-runtime/react";

/** Who is signed in (the tenant, quietly), and the way out. */
export function AccountControl({ caller, onSignOut }: { caller: CallerInfo; onSignOut: (() => void) | undefined }) {
  const key = caller.keyId ? ` with key ${caller.keyId}` : "";
  const title = `Tenant ${caller.tenantId}${key} (${caller.scopes.join(", ") || "no scopes"})`;
  return (
    <div className="account">
      <span className="account-tenant" title={title} data-testid="tenant">
        <span className="account-label">Tenant </span>
        {caller.tenantId}
      </span>
      {onSignOut && (
        <button type="button" className="button small ghost account-sign-out" onClick={onSignOut} title="Sign out" data-testid="sign-out">
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
            <path d="M6 2.5H3.5v11H6 M10 5l3 3-3 3 M13 8H6.5" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
          <span className="account-sign-out-label">Sign out</span>
        </button>
      )}
    </div>
  );
}
