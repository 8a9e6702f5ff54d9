import type { SessionMetadata } from "@agent-runtime/react";
import { formatCost, formatCount } from "../app/format";

/** Tokens and cost so far (`session:metadata:update` carries running totals). */
export function UsageBar({ metadata }: { metadata: SessionMetadata | undefined }) {
  if (!metadata) return null;
  const { usage } = metadata;
  const cache = usage.cacheReadInputTokens + usage.cacheCreationInputTokens;
  return (
    <div className="usage" data-testid="usage" title="Running totals for this session's main conversation">
      {metadata.model && <span className="usage-model">{metadata.model}</span>}
      <span>
        <strong>{formatCount(usage.inputTokens)}</strong> in
      </span>
      <span>
        <strong>{formatCount(usage.outputTokens)}</strong> out
      </span>
      {cache > 0 && (
        <span>
          <strong>{formatCount(cache)}</strong> cache
        </span>
      )}
      <span className="usage-cost" data-testid="usage-cost">
        {formatCost(metadata.costUSD)}
      </span>
    </div>
  );
}
