// The REST API's own bodies (docs/protocol.md, "REST").
import type { Architecture } from "./sessions.js";

/** `GET /api/health`. */
export interface HealthReport {
  status: "ok";
  time: string;
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
  systemPrompt?: string;
  model?: string;
  allowedTools?: string[];
  network?: "host" | "none";
}

/** `POST /api/sessions`. */
export interface CreateSessionRequest {
  agentProfileRef: string;
  architecture: Architecture;
  name?: string;
  /** Files written into the workspace before the first turn: path → text. */
  files?: Record<string, string>;
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
}
