import type {
  AgentProfile,
  AgentProfileSummary,
  ArchitectureAvailability,
  CreateSessionRequest,
  FileWritten,
  HealthReport,
  MessageContent,
  ModelBudget,
  ProfileDocument,
  ProfileVersionInfo,
  StoredProfile,
  TurnAccepted,
  TurnInterrupted,
} from "../types/api.js";
import type { ApprovalAnswer, SessionOptions, SessionOptionsUpdate } from "../types/approvals.js";
import type { ApiKeyInfo, CallerInfo, CreateApiKeyRequest, CreatedApiKey } from "../types/auth.js";
import type { ApprovalResolvedEvent, SessionEvent } from "../types/events.js";
import type {
  SessionDetail,
  SessionListItem,
  SessionListPage,
  SessionMetadata,
  SessionPageRequest,
  WorkspaceFileInfo,
} from "../types/sessions.js";
import { AgentRuntimeApiError } from "./AgentRuntimeApiError.js";

/** Gives the bearer token for a request: an API key, or a JWT the app refreshes. Empty means none is sent. */
export type TokenFactory = () => string | Promise<string>;

/** Settings of a {@link RestClient}. */
export interface RestClientOptions {
  /** The server's address, such as `http://127.0.0.1:5080`. */
  apiUrl: string;
  /** An API key (`ar_….…`), sent as `Authorization: Bearer`. */
  apiKey?: string;
  /** Asked for the bearer token before every request; used instead of `apiKey` when given. */
  getToken?: TokenFactory;
  /** Told of every 401 before it is thrown, so an app can show its sign-in screen wherever the call was made. */
  onUnauthorized?: (error: AgentRuntimeApiError) => void;
  /** The fetch to use; the global one by default. */
  fetch?: typeof fetch;
}

/** Typed calls for the REST API (docs/protocol.md, "REST"). Error answers throw {@link AgentRuntimeApiError}. */
export class RestClient {
  private readonly baseUrl: string;
  private readonly getToken: TokenFactory | undefined;
  private readonly onUnauthorized: ((error: AgentRuntimeApiError) => void) | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(options: RestClientOptions) {
    this.baseUrl = options.apiUrl.replace(/\/+$/, "");
    const apiKey = options.apiKey;
    this.getToken = options.getToken ?? (apiKey ? () => apiKey : undefined);
    this.onUnauthorized = options.onUnauthorized;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** Anonymous: answers whatever the credential. */
  health(signal?: AbortSignal): Promise<HealthReport> {
    return this.request("GET", "/api/health", undefined, signal);
  }

  /** Who the server takes the caller to be; a 401 means the key is not accepted, which makes this the sign-in check. */
  me(signal?: AbortSignal): Promise<CallerInfo> {
    return this.request("GET", "/api/me", undefined, signal);
  }

  /** Creates an API key (scope `admin`); the answer's `key` is the secret, which the server never shows again. */
  createKey(body: CreateApiKeyRequest = {}, signal?: AbortSignal): Promise<CreatedApiKey> {
    return this.request("POST", "/api/keys", body, signal);
  }

  /** The API keys (scope `admin`), all or one tenant's; without their secrets. */
  listKeys(tenantId?: string, signal?: AbortSignal): Promise<ApiKeyInfo[]> {
    const query = tenantId === undefined ? "" : `?tenantId=${encodeURIComponent(tenantId)}`;
    return this.request("GET", `/api/keys${query}`, undefined, signal);
  }

  /** Deletes an API key (scope `admin`): it fails at once, and the server closes its open streams and hub connections. */
  async deleteKey(keyId: string, signal?: AbortSignal): Promise<void> {
    await this.request("DELETE", `/api/keys/${encodeURIComponent(keyId)}`, undefined, signal);
  }

  architectures(signal?: AbortSignal): Promise<ArchitectureAvailability[]> {
    return this.request("GET", "/api/architectures", undefined, signal);
  }

  listProfiles(signal?: AbortSignal): Promise<AgentProfileSummary[]> {
    return this.request("GET", "/api/profiles", undefined, signal);
  }

  /** A profile: its latest version, or the numbered one (which stays readable after the profile is deleted). */
  getProfile(profileId: string, version?: number, signal?: AbortSignal): Promise<AgentProfile> {
    const query = version === undefined ? "" : `?version=${version}`;
    return this.request("GET", `/api/profiles/${encodeURIComponent(profileId)}${query}`, undefined, signal);
  }

  /** A profile's versions, oldest first. */
  listProfileVersions(profileId: string, signal?: AbortSignal): Promise<ProfileVersionInfo[]> {
    return this.request("GET", `/api/profiles/${encodeURIComponent(profileId)}/versions`, undefined, signal);
  }

  /**
   * Adds a profile as version 1. A 400's error has `errors`, each `field: message`; 409 means the id is taken. A
   * tenant's key may leave `tenantId` out: the profile becomes its tenant's.
   */
  createProfile(profile: ProfileDocument, signal?: AbortSignal): Promise<StoredProfile> {
    return this.request("POST", "/api/profiles", profile, signal);
  }

  /** Saves a new version of a profile (none when nothing changed); errors as {@link createProfile}'s, 404 when there is none. */
  updateProfile(profile: ProfileDocument, signal?: AbortSignal): Promise<StoredProfile> {
    return this.request("PUT", `/api/profiles/${encodeURIComponent(profile.id)}`, profile, signal);
  }

  /** Deletes a profile: no new session can use it; the sessions that run on it keep their version. */
  async deleteProfile(profileId: string, signal?: AbortSignal): Promise<void> {
    await this.request("DELETE", `/api/profiles/${encodeURIComponent(profileId)}`, undefined, signal);
  }

  /** Moves a session to a version of its profile (`"latest"` or a number); its next turn runs on it. Resolves to its metadata. */
  setProfileVersion(sessionId: string, version: number | "latest", signal?: AbortSignal): Promise<SessionMetadata> {
    return this.request("PATCH", `/api/sessions/${encodeURIComponent(sessionId)}`, { profileVersion: version }, signal);
  }

  createSession(body: CreateSessionRequest, signal?: AbortSignal): Promise<SessionListItem> {
    return this.request("POST", "/api/sessions", body, signal);
  }

  /** Every session the caller may see, most recently active first, in one answer; {@link listSessionsPage} reads a page. */
  async listSessions(signal?: AbortSignal): Promise<SessionListItem[]> {
    return (await this.request<{ sessions: SessionListItem[] }>("GET", "/api/sessions", undefined, signal)).sessions;
  }

  /**
   * A page of the session list, most recently active first, and the cursor of the next (`null` on the last). Paging on
   * while sessions change neither repeats nor skips a session that did not change.
   */
  async listSessionsPage(page: SessionPageRequest, signal?: AbortSignal): Promise<SessionListPage> {
    const query = new URLSearchParams({ limit: String(page.limit) });
    if (page.cursor !== undefined) query.set("cursor", page.cursor);
    if (page.tenantId !== undefined) query.set("tenantId", page.tenantId);
    const answer = await this.request<{ sessions: SessionListItem[]; nextCursor?: string | null }>("GET", `/api/sessions?${query}`, undefined, signal);
    return { sessions: answer.sessions, nextCursor: answer.nextCursor ?? null };
  }

  getSession(sessionId: string, signal?: AbortSignal): Promise<SessionDetail> {
    return this.request("GET", `/api/sessions/${encodeURIComponent(sessionId)}`, undefined, signal);
  }

  async deleteSession(sessionId: string, signal?: AbortSignal): Promise<void> {
    await this.request("DELETE", `/api/sessions/${encodeURIComponent(sessionId)}`, undefined, signal);
  }

  /** Sets the session's own model budget (`null`: its profile's applies); resolves to its metadata. */
  setBudget(sessionId: string, budget: ModelBudget | null, signal?: AbortSignal): Promise<SessionMetadata> {
    return this.request("PATCH", `/api/sessions/${encodeURIComponent(sessionId)}`, { budget }, signal);
  }

  /** Sends the user's message (text, or text and images as parts); resolves to the id of the turn that answers it. */
  async sendMessage(sessionId: string, content: MessageContent, signal?: AbortSignal): Promise<string> {
    const accepted = await this.request<TurnAccepted>("POST", `/api/sessions/${encodeURIComponent(sessionId)}/messages`, { content }, signal);
    return accepted.turnId;
  }

  /**
   * Stops the session's running turn; resolves to its id. The turn ends with `session:turn:completed`
   * (`stopReason: "interrupted"`) and its pending approvals are denied. A 409 means no turn was running.
   */
  async interrupt(sessionId: string, signal?: AbortSignal): Promise<string> {
    const stopped = await this.request<TurnInterrupted>("POST", `/api/sessions/${encodeURIComponent(sessionId)}/interrupt`, undefined, signal);
    return stopped.turnId;
  }

  /**
   * Answers a pending approval; resolves to the `session:approval:resolved` event the server logged. A 404 means the
   * session has no such approval; a 409 that it was already answered (by another client, its timeout, an interrupt).
   */
  answerApproval(sessionId: string, approvalId: string, answer: ApprovalAnswer, signal?: AbortSignal): Promise<ApprovalResolvedEvent> {
    return this.request("POST", `/api/sessions/${encodeURIComponent(sessionId)}/approvals/${encodeURIComponent(approvalId)}`, answer, signal);
  }

  /** Sets the session's model or permission mode (`null`: its profile's again); they apply from its next turn. */
  updateOptions(sessionId: string, options: SessionOptionsUpdate, signal?: AbortSignal): Promise<SessionOptions> {
    return this.request("PATCH", `/api/sessions/${encodeURIComponent(sessionId)}/options`, options, signal);
  }

  /** The session's logged events after `afterSeq`. */
  getEvents(sessionId: string, afterSeq = 0, signal?: AbortSignal): Promise<SessionEvent[]> {
    return this.request("GET", `/api/sessions/${encodeURIComponent(sessionId)}/events?after=${afterSeq}`, undefined, signal);
  }

  /** The workspace's files as last stored. */
  listFiles(sessionId: string, signal?: AbortSignal): Promise<WorkspaceFileInfo[]> {
    return this.request("GET", `/api/sessions/${encodeURIComponent(sessionId)}/files`, undefined, signal);
  }

  /** A file's content as text (fetch binary files as bytes with {@link readFileBytes}). */
  async readFile(sessionId: string, path: string, signal?: AbortSignal): Promise<string> {
    return (await this.send("GET", filePath(sessionId, path), undefined, undefined, signal)).text();
  }

  /** A file's content as bytes. */
  async readFileBytes(sessionId: string, path: string, signal?: AbortSignal): Promise<ArrayBuffer> {
    return (await this.send("GET", filePath(sessionId, path), undefined, undefined, signal)).arrayBuffer();
  }

  /** Writes a file into the workspace; the agent sees it on its next turn. */
  async writeFile(sessionId: string, path: string, content: string | Blob | ArrayBuffer | Uint8Array, signal?: AbortSignal): Promise<FileWritten> {
    const response = await this.send("PUT", filePath(sessionId, path), content as BodyInit, "application/octet-stream", signal);
    return (await response.json()) as FileWritten;
  }

  async deleteFile(sessionId: string, path: string, signal?: AbortSignal): Promise<void> {
    await this.send("DELETE", filePath(sessionId, path), undefined, undefined, signal);
  }

  /**
   * The address of a zip of the stored workspace. A plain link sends no `Authorization` header, so it works only on a
   * server without auth; otherwise fetch it with {@link readWorkspaceZip}.
   */
  workspaceZipUrl(sessionId: string): string {
    return `${this.baseUrl}/api/sessions/${encodeURIComponent(sessionId)}/files.zip`;
  }

  /** A zip of the stored workspace, fetched with the client's credential. */
  async readWorkspaceZip(sessionId: string, signal?: AbortSignal): Promise<Blob> {
    return (await this.send("GET", `/api/sessions/${encodeURIComponent(sessionId)}/files.zip`, undefined, undefined, signal)).blob();
  }

  private async send(method: string, path: string, body: BodyInit | undefined, contentType: string | undefined, signal: AbortSignal | undefined): Promise<Response> {
    const headers: Record<string, string> = {};
    if (contentType) headers["content-type"] = contentType;
    return this.fetchOk(method, path, headers, body, signal);
  }

  private async request<T>(method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await this.fetchOk(method, path, headers, body === undefined ? undefined : JSON.stringify(body), signal);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Sends the request with the current token; an error answer throws, and a 401 is reported first. */
  private async fetchOk(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: BodyInit | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const token = this.getToken ? await this.getToken() : undefined;
    if (token) headers.authorization = `Bearer ${token}`;
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = body;
    if (signal) init.signal = signal;
    const response = await this.fetchImpl(`${this.baseUrl}${path}`, init);
    if (response.ok) return response;
    const error = await AgentRuntimeApiError.fromResponse(response);
    if (error.status === 401) this.onUnauthorized?.(error);
    throw error;
  }
}

/** A workspace file's address; a `.` or `..` segment is refused, since URL resolution would send it elsewhere. */
function filePath(sessionId: string, path: string): string {
  const segments = path.split("/");
  if (segments.some((s) => s === "." || s === "..")) {
    throw new Error(`The path '${path}' has a '.' or '..' segment; workspace paths stay inside the workspace.`);
  }
  return `/api/sessions/${encodeURIComponent(sessionId)}/files/${segments.map(encodeURIComponent).join("/")}`;
}
