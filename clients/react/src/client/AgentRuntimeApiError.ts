import type { ProblemDetails } from "../types/api.js";

/**
 * The server answered with an error. Carries the problem details' `status`, `title` and `detail`;
 * the message reads `404 Session not found: Session 'x' was not found.`
 */
export class AgentRuntimeApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;

  constructor(status: number, title: string, detail?: string) {
    super(detail ? `${status} ${title}: ${detail}` : `${status} ${title}`);
    this.name = "AgentRuntimeApiError";
    this.status = status;
    this.title = title;
    this.detail = detail;
  }

  /** Reads an error answer, using its problem details when it has them. */
  static async fromResponse(response: Response): Promise<AgentRuntimeApiError> {
    const text = await response.text().catch(() => "");
    let problem: ProblemDetails = {};
    try {
      problem = text ? (JSON.parse(text) as ProblemDetails) : {};
    } catch {
      problem = { detail: text.slice(0, 500) };
    }
    return new AgentRuntimeApiError(response.status, problem.title ?? (response.statusText || "Error"), problem.detail);
  }
}

/** Whether `error` is the server's 404. */
export function isNotFound(error: unknown): boolean {
  return error instanceof AgentRuntimeApiError && error.status === 404;
}
