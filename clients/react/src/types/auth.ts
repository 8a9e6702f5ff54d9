// Authentication and tenants: `GET /api/me` and the admin calls for API keys (`/api/keys`).

/** How the server checks callers (`AgentRuntime:Auth:Mode`). */
export type AuthMode = "apikey" | "jwt" | "none";

/** What a key may do: `sessions` (everything on the tenant's sessions) and `admin` (manage keys). */
export type ApiKeyScope = "sessions" | "admin";

/** `GET /api/me`: who the server takes the caller to be. */
export interface CallerInfo {
  tenantId: string;
  scopes: ApiKeyScope[];
  /** The API key's id; null when the caller did not sign in with an API key (a JWT, or auth mode `none`). */
  keyId: string | null;
  authMode: AuthMode;
}

/** `POST /api/keys`: every field optional; the server's defaults apply to what is left out. */
export interface CreateApiKeyRequest {
  tenantId?: string;
  scopes?: ApiKeyScope[];
  name?: string;
}

/** An API key as `GET /api/keys` lists it: never its secret. */
export interface ApiKeyInfo {
  keyId: string;
  tenantId: string;
  scopes: ApiKeyScope[];
  name?: string | null;
  createdAt: string;
}

/** `POST /api/keys` answers with the key's secret once: `key` is what a client sends as its bearer token. */
export interface CreatedApiKey extends ApiKeyInfo {
  key: string;
}
