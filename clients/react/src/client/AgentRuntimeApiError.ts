import type { ProblemDetails } from "../types/api.js";

/**
 * What kind of error answer it was, for an app to act on: `unauthorized` (401: no key, or one the server does not
 * accept — show sign-in), `forbidden` (403: the key lacks the scope, or the page's origin is not allowed),
 * `not_found` (404, also another tenant's session), `rate_limited` (429: see `retryAfter`), `server` (5xx), `other`.
 */
export type AgentRuntimeErrorKind = "unauthorized" | "forbidden" | "not_found" | "rate_limited" | "server" | "other";

/**
 * The server answered with an error. Carries the problem details' `status`, `title` and `detail`;
 * the message reads `404 Session not found: Session 'x' was not found.`
 */
export class AgentRuntimeApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly kind: AgentRuntimeErrorKind;
  /** For a 429, the seconds the server asked to wait (its `Retry-After`), when it said. */
  readonly retryAfter: number | undefined;
  /** The problems one by one when the server listed them (a refused profile: `field: message` each); else empty. */
  readonly errors: string[];

  constructor(status: number, title: string, detail?: string, retryAfter?: number, errors: string[] = []) {
    const wait = retryAfter === undefined ? "" : ` (retry after ${retryAfter} s)`;
    super(`${detail ? `${status} ${title}: ${detail}` : `${status} ${title}`}${wait}`);
    this.name = "AgentRuntimeApiError";
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.kind = kindOf(status);
    this.retryAfter = retryAfter;
    this.errors = errors;
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
    return new AgentRuntimeApiError(
      response.status,
      problem.title ?? (response.statusText || "Error"),
      problem.detail,
      parseRetryAfter(response.headers.get("retry-after")),
      Array.isArray(problem.errors) ? problem.errors.filter((e): e is string => typeof e === "string") : [],
    );
  }
}

/** Whether `error` is the server's 404. */
export function isNotFound(error: unknown): boolean {
  return error instanceof AgentRuntimeApiError && error.status === 404;
}

/** Whether `error` is the server's 401: no credential, or one it does not accept (unknown, deleted, expired). */
export function isUnauthorized(error: unknown): boolean {
  return error instanceof AgentRuntimeApiError && error.status === 401;
}

/** Whether `error` is the server's 429; its `retryAfter` says how long to wait, when the server said. */
export function isRateLimited(error: unknown): error is AgentRuntimeApiError {
  return error instanceof AgentRuntimeApiError && error.status === 429;
}

/** Whether trying again with the same credential cannot help (401, 403), so a retry loop should stop. */
export function isAccessDenied(error: unknown): boolean {
  return error instanceof AgentRuntimeApiError && (error.status === 401 || error.status === 403);
}

/** `Retry-After` in seconds: delta-seconds, or an HTTP date (RFC 9110, 10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

function kindOf(status: number): AgentRuntimeErrorKind {
  switch (status) {
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 429:
      return "rate_limited";
    default:
      return status >= 500 ? "server" : "other";
  }
}
