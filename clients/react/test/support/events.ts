import type { AssistantTextBlock } from "../../src/types/blocks.js";
import type { SessionEvent } from "../../src/types/events.js";
import type { SessionDetail } from "../../src/types/sessions.js";

type Payload<T extends SessionEvent["type"]> = Omit<Extract<SessionEvent, { type: T }>, "seq" | "sessionId" | "timestamp" | "type">;

/** Builds events with consecutive seqs (or an explicit one), the way the server numbers them. */
export class EventFactory {
  private seq = 0;

  constructor(readonly sessionId = "s1") {}

  make<T extends SessionEvent["type"]>(type: T, payload: Payload<T>, seq = ++this.seq): Extract<SessionEvent, { type: T }> {
    this.seq = Math.max(this.seq, seq);
    const timestamp = new Date(Date.UTC(2026, 10, 23, 19, 0, 0, seq)).toISOString();
    return { seq, sessionId: this.sessionId, timestamp, type, ...payload } as unknown as Extract<SessionEvent, { type: T }>;
  }
}

export const timestamp = "2026-11-23T19:00:00.000Z";

export function text(id: string, content = ""): AssistantTextBlock {
  return { type: "assistant_text", id, timestamp, content };
}

export function detail(overrides: Partial<SessionDetail> = {}): SessionDetail {
  return {
    sessionId: "s1",
    tenantId: "default",
    architecture: "claude-agent-sdk",
    agentProfileRef: "default",
    createdAt: timestamp,
    lastActivity: timestamp,
    turnState: "idle",
    runtime: { isLoaded: true },
    blocks: [],
    subagents: [],
    workspaceFiles: [],
    lastSeq: 0,
    ...overrides,
  };
}
