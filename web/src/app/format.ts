import type { SessionListItem } from "@agent-runtime/react";

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** "just now", "3 minutes ago", "yesterday". */
export function timeAgo(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return "just now";
  if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
  if (abs < 86_400) return relative.format(Math.round(seconds / 3600), "hour");
  return relative.format(Math.round(seconds / 86_400), "day");
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const integer = new Intl.NumberFormat();
export const formatCount = (n: number) => integer.format(n);

export function formatCost(usd: number): string {
  if (usd === 0) return "$0.00";
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function sessionTitle(session: Pick<SessionListItem, "name" | "sessionId"> | undefined, fallbackId?: string): string {
  if (session?.name) return session.name;
  const id = session?.sessionId ?? fallbackId ?? "";
  return `Session ${id.slice(0, 8)}`;
}

export const architectureLabel: Record<string, string> = {
  "claude-agent-sdk": "Claude Code",
  "gemini-cli": "Gemini CLI",
  acp: "ACP agent",
};

/** URL of a workspace file: each path segment encoded, the slashes kept. */
export function fileUrl(sessionId: string, path: string): string {
  return `/api/sessions/${encodeURIComponent(sessionId)}/files/${path.split("/").map(encodeURIComponent).join("/")}`;
}
