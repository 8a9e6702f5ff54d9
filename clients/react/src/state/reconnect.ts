/** How a broken subscription comes back: the pause before each attempt (the last repeats) and how many in a row may fail. */
export interface ReconnectPolicy {
  delaysMs: number[];
  maxAttempts: number;
}

/** About 90 seconds of trying before a subscription gives up. */
export const DEFAULT_RECONNECT: ReconnectPolicy = { delaysMs: [0, 250, 1000, 2000, 5000], maxAttempts: 20 };

/** The pause before attempt `attempt` (1-based). */
export function delayBefore(policy: ReconnectPolicy, attempt: number): number {
  const delays = policy.delaysMs;
  return delays.length === 0 ? 0 : (delays[Math.min(attempt - 1, delays.length - 1)] ?? 0);
}

/** A readable line for an error of any kind. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
