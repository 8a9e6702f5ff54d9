// Approvals and session options (docs/protocol.md, "Approvals" and "Session options").
import type { JsonObject } from "./blocks.js";

/** Who decides whether the agent may run a tool: nobody (`bypass`), a person for every tool that writes or executes (`ask`), or the profile's rules and a person for what no rule matches (`rules`). */
export type PermissionMode = "bypass" | "ask" | "rules";

/** An approval's decision. */
export type ApprovalDecision = "allow" | "deny";

/** One of the answers an agent offers for an approval. */
export interface ApprovalOption {
  optionId: string;
  name: string;
  /** `allow_once`, `allow_always`, `reject_once` or `reject_always`. */
  kind: string;
}

/** An answer to an approval (`POST /api/sessions/{id}/approvals/{approvalId}`, or the hub's `AnswerApproval`). */
export interface ApprovalAnswer {
  decision: ApprovalDecision;
  /** The tool's whole input to run it with instead of the agent's (allow only); a JSON object. */
  updatedInput?: JsonObject;
  /** Why it was denied, as the agent is told. */
  message?: string;
  /** `session`: the answer stands for the rest of the session (the tool is added to its `allowedTools`). */
  remember?: "session";
  /** The agent's option chosen, when the request offered `options` (ACP agents). */
  optionId?: string;
}

/** What a session sets for itself over its profile, from its next turn on. Absent values mean the profile's. */
export interface SessionOptions {
  model?: string;
  permissionMode?: PermissionMode;
  /** Tools allowed for the rest of the session by answers ("always allow in this session"). */
  allowedTools: string[];
}

/** `PATCH /api/sessions/{id}/options`: a value sets it, `null` goes back to the profile's, an absent one is unchanged. */
export interface SessionOptionsUpdate {
  model?: string | null;
  permissionMode?: PermissionMode | null;
}
