import type {
  AgentProfile,
  AgentProfileSummary,
  ArchitectureAvailability,
  CreateSessionRequest,
  FileWritten,
  HealthReport,
  ModelBudget,
  TurnAccepted,
} from "../types/api.js";
import type { SessionEvent } from "../types/events.js";
import type { SessionDetail, SessionListItem, SessionMetadata, WorkspaceFileInfo } from "../types/sessions.js";
import { AgentRuntimeApiError } from "./AgentRuntimeApiError.js";

/** Settings of a {@link RestClient}. */
export interface RestClientOptions {
  /** The server's address, such as `http://127.0.0.1:5080`. */
  apiUrl: string;
  /** Sent as `Authorization: Bearer`; the server does not check one today. */
  apiKey?: string;
  /** The fetch to use; the global one by default. */
  fetch?: typeof fetch;
}

/** Typed calls for the REST API (docs/protocol.md, "REST"). Error answers throw {@link AgentRuntimeApiError}. */
export class RestClient {
  private readonly baseUrl: string;
  private readonly apiKey: string | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(options: RestClientOptions) {
    this.baseUrl = options.apiUrl.replace(/\/+$/, "");
    this.apiKey = options.apiKey;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  health(signal?: AbortSignal): Promise<HealthReport> {
    return this.request("GET", "/api/health", undefined, signal);
  }

  architectures(signal?: AbortSignal): Promise<ArchitectureAvailability[]> {
    return this.request("GET", "/api/architectures", undefined, signal);
  }

  listProfiles(signal?: AbortSignal): Promise<AgentProfileSummary[]> {
    return this.request("GET", "/api/profiles", undefined, signal);
  }

  getProfile(profileId: string, signal?: AbortSignal): Promise<AgentProfile> {
    return this.request("GET", `/api/profiles/${encodeURIComponent(profileId)}`, undefined, signal);
  }

  createSession(body: CreateSessionRequest, signal?: AbortSignal): Promise<SessionListItem> {
    return this.request("POST", "/api/sessions", body, signal);
  }

  async listSessions(signal?: AbortSignal): Promise<SessionListItem[]> {
    return (await this.request<{ sessions: SessionListItem[] }>("GET", "/api/sessions", undefined, signal)).sessions;
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

  /** Sends the user's message; resolves to the id of the turn that answers it. */
  async sendMessage(sessionId: string, content: string, signal?: AbortSignal): Promise<string> {
    const accepted = await this.request<TurnAccepted>("POST", `/api/sessions/${encodeURIComponent(sessionId)}/messages`, { content }, signal);
    return accepted.turnId;
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

  /** The address of a zip of the stored workspace, for a download link. */
  workspaceZipUrl(sessionId: string): string {
    return `${this.baseUrl}/api/sessions/${encodeURIComponent(sessionId)}/files.zip`;
  }

  private async send(method: string, path: string, body: BodyInit | undefined, contentType: string | undefined, signal: AbortSignal | undefined): Promise<Response> {
    const headers: Record<string, string> = {};
    if (contentType) headers["content-type"] = contentType;
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = body;
    if (signal) init.signal = signal;
    const response = await this.fetchImpl(`${this.baseUrl}${path}`, init);
    if (!response.ok) throw await AgentRuntimeApiError.fromResponse(response);
    return response;
  }

  private async request<T>(method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = JSON.stringify(body);
    if (signal) init.signal = signal;
    const response = await this.fetchImpl(`${this.baseUrl}${path}`, init);
    if (!response.ok) throw await AgentRuntimeApiError.fromResponse(response);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
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
