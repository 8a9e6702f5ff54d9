// Sessions as docs/protocol.md ("REST") defines them. Absent optional values are omitted on the wire, not null.
import type { ModelBudget } from "./api.js";
import type { SessionOptions } from "./approvals.js";
import type { ConversationBlock } from "./blocks.js";
import type { ApprovalRequestedEvent } from "./events.js";

/** The agent architectures. */
export type Architecture = "claude-agent-sdk" | "gemini-cli";

/** Whether a session is answering a message; `awaiting_approval` while its turn waits for a person to answer an approval. */
export type TurnState = "idle" | "running" | "awaiting_approval";

/** Where a sandbox stands. `starting` has an empty `sandboxId` until the provider assigns it. */
export type SandboxStatus = "starting" | "ready" | "unhealthy" | "terminated";

/** A session's sandbox. */
export interface SandboxInfo {
  sandboxId: string;
  status: SandboxStatus;
  restartCount: number;
  lastHealthCheck?: string;
  /** While it starts: what its provider last reported doing (such as an image build's log line). */
  progress?: string;
}

/** Whether a session is in the server's memory and what its sandbox is doing. */
export interface SessionRuntime {
  isLoaded: boolean;
  /** The cluster node it is loaded on (`address:port`); absent when it is not loaded. */
  node?: string | null;
  /** Null or absent when no sandbox is running. */
  sandbox?: SandboxInfo | null;
}

/** Token counts. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
}

/** Running totals of a conversation. */
export interface SessionMetadata {
  usage: TokenUsage;
  costUSD: number;
  model?: string;
  /** The session's own model budget (`PATCH /api/sessions/{id}`); its profile's applies when absent. */
  budget?: ModelBudget;
}

/** A session as the list shows it. */
export interface SessionListItem {
  sessionId: string;
  /** The tenant the session belongs to: the tenant of the key that created it. */
  tenantId: string;
  architecture: Architecture;
  agentProfileRef: string;
  /** The version of its profile the session runs on; absent for the latest (sessions made before profile versions). */
  agentProfileVersion?: number;
  name?: string;
  createdAt: string;
  lastActivity: string;
  turnState: TurnState;
  runtime: SessionRuntime;
}

/** `GET /api/sessions?limit=&cursor=`: a page of the session list, most recently active first. */
export interface SessionListPage {
  sessions: SessionListItem[];
  /** Pass as `cursor` (with the same `limit`) for the next page; `null` on the last page. */
  nextCursor: string | null;
}

/** What `RestClient.listSessionsPage` asks for. */
export interface SessionPageRequest {
  /** How many sessions at most: 1 to 1000. */
  limit: number;
  /** The `nextCursor` of the page before; none for the first page. */
  cursor?: string;
  /** One tenant's sessions; only an admin's filter counts (anyone else lists their own tenant's). */
  tenantId?: string;
}

/** The blocks of one subagent's thread; `id` is the subagent id. */
export interface SubagentThread {
  id: string;
  blocks: ConversationBlock[];
}

/** A file of a session's workspace. */
export interface WorkspaceFileInfo {
  path: string;
  size: number;
  hash: string;
  modifiedAt: string;
}

/** A session with its conversation, as `GET /api/sessions/{id}` returns it. */
export interface SessionDetail extends SessionListItem {
  blocks: ConversationBlock[];
  subagents: SubagentThread[];
  workspaceFiles: WorkspaceFileInfo[];
  metadata?: SessionMetadata;
  /** The approvals that wait for an answer, in the order they were asked (absent from servers older than approvals). */
  pendingApprovals?: ApprovalRequestedEvent[];
  /** What the session sets for itself over its profile (absent from servers older than session options). */
  options?: SessionOptions;
  /** The seq of the last logged event; subscribe after it to follow the session. */
  lastSeq: number;
}

/** A change to the session list, pushed by the hub's `SubscribeSessionList`. */
export interface SessionListChange {
  kind: "created" | "updated" | "deleted";
  sessionId: string;
  /** The session's tenant; a subscriber hears of its own tenant's sessions only. */
  tenantId: string;
  /** The session as it is now; absent when deleted. */
  session?: SessionListItem;
}
