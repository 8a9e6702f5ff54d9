// The REST API's own bodies (docs/protocol.md, "REST").
import type { ImageMediaType } from "./blocks.js";
import type { Architecture } from "./sessions.js";

/** `GET /api/health`. */
export interface HealthReport {
  status: "ok";
  time: string;
  /** What the sandbox provider enforces on this machine, and why not where it does not. */
  sandbox?: SandboxEnforcement;
}

/** What a server's sandboxes enforce (docs/sandboxing.md, "What is enforced where"). */
export interface SandboxEnforcement {
  isolation: boolean;
  networkIsolation: boolean;
  memoryLimit: boolean;
  processLimit: boolean;
  diskQuota: boolean;
  notes: string[];
}

/** What a session's sandbox may reach: the model only (default), nothing, the host's network, or allowed hosts too. */
export type NetworkPolicy = "model-only" | "none" | "host" | { allow: string[] };

/** A limit on what a session may spend on its model; either bound, or both. */
export interface ModelBudget {
  maxTokens?: number;
  maxCostUSD?: number;
}

/** What is stored of a session's workspace. */
export interface WorkspaceLimits {
  maxFiles?: number;
  maxFileBytes?: number;
  maxTotalBytes?: number;
}

/** `GET /api/architectures`: whether this server can run an architecture now. */
export interface ArchitectureAvailability {
  name: string;
  available: boolean;
  reason?: string;
}

/** `GET /api/profiles`. */
export interface AgentProfileSummary {
  id: string;
  name: string;
  description: string;
}

/** `GET /api/profiles/{id}`: how an agent is set up. */
export interface AgentProfile extends AgentProfileSummary {
  /** The tenant the profile belongs to; absent for a global one (every tenant's). */
  tenantId?: string;
  systemPrompt?: string;
  model?: string;
  allowedTools?: string[];
  network?: NetworkPolicy;
  budget?: ModelBudget;
  workspaceLimits?: WorkspaceLimits;
  /** Where the sessions' sandboxes run: a provider the server has, such as `local` or `modal`. */
  sandbox?: { provider: string };
}

/** `POST /api/sessions`. */
export interface CreateSessionRequest {
  agentProfileRef: string;
  architecture: Architecture;
  name?: string;
  /** Files written into the workspace before the first turn: path → text. */
  files?: Record<string, string>;
  /** The tenant to create it for: the caller's own when absent; another only with an `admin` key (else 403). */
  tenantId?: string;
}

/** `PUT /api/sessions/{id}/files/{path}`. */
export interface FileWritten {
  path: string;
  size: number;
  /** Whether the file is new. */
  created: boolean;
  /** Whether the content changed (false when the same bytes were there). */
  changed: boolean;
}

/** Text in a message of several parts. */
export interface TextPart {
  type: "text";
  text: string;
}

/** An image in a message of several parts: its type and its bytes in base64 (no `data:` prefix). */
export interface ImagePart {
  type: "image";
  mediaType: ImageMediaType;
  data: string;
}

/** One part of a message. */
export type MessageContentPart = TextPart | ImagePart;

/** What a user sends: text, or parts (text and images) in order. */
export type MessageContent = string | MessageContentPart[];

/** `POST /api/sessions/{id}/interrupt` answers `202` with the stopped turn's id. */
export interface TurnInterrupted {
  turnId: string;
}

/** `POST /api/sessions/{id}/messages` answers `202` with the turn's id. */
export interface TurnAccepted {
  turnId: string;
}

/** RFC 7807 problem details, as every error answer carries. */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  /** For a profile the server refused: each problem as `field: message` (`skills[0].name: …`). */
  errors?: string[];
}

/**
 * A profile as written to `POST /api/profiles` or `PUT /api/profiles/{id}`: its JSON as docs/configuration.md describes
 * it (skills, subagents, MCP servers and the rest). The server reads it strictly: a field it does not know is an error.
 */
export interface ProfileDocument {
  id: string;
  name: string;
  [field: string]: unknown;
}

/** A saved version of a profile, as `POST`/`PUT /api/profiles` answer. */
export interface StoredProfile {
  profile: AgentProfile;
  /** 1 for the first save; one more for each save that changed it (an unchanged save adds none). */
  version: number;
  createdAt: string;
}

/** `GET /api/profiles/{id}/versions`: one version. */
export interface ProfileVersionInfo {
  version: number;
  createdAt: string;
}
