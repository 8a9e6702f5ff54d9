import { useCallback, useMemo, useState } from "react";
import { useAgentService } from "../context/AgentServiceProvider.js";
import type { MessageContent } from "../types/api.js";
import type { BlockOfType, BlockType, ConversationBlock } from "../types/blocks.js";
import { MAIN_CONVERSATION } from "../types/events.js";
import type { SessionMetadata } from "../types/sessions.js";
import { useSessionState } from "./useSessionState.js";

const NO_BLOCKS: ConversationBlock[] = [];
const NO_IDS: ReadonlySet<string> = new Set();

/** What {@link useMessages} returns. */
export interface UseMessagesResult {
  /** The main conversation's blocks, in order; text grows as it streams. */
  blocks: ConversationBlock[];
  /** The main conversation's totals (tokens, cost, model). */
  metadata: SessionMetadata | undefined;
  /** Whether a turn is under way (also while it waits for an approval). */
  isStreaming: boolean;
  /** The main conversation's text and thinking blocks that are still growing: for a cursor or a typing indicator. */
  streamingBlockIds: ReadonlySet<string>;
  /** Why the last turn ended early: `interrupted` when a client stopped it; undefined while running or when it finished. */
  stopReason: string | undefined;
  /** The last failure: of a send, of the turn, or an `error` event. */
  error: string | undefined;
  /** Sends the user's message — text, or parts of text and images — and resolves to the turn id. */
  sendMessage: (content: MessageContent) => Promise<string>;
  /** A block by id, from any thread. */
  getBlock: (blockId: string) => ConversationBlock | undefined;
  /** The main conversation's blocks of one type. */
  getBlocksByType: <T extends BlockType>(type: T) => BlockOfType<T>[];
}

/** A session's conversation, streaming in: its blocks, totals and whether it is answering, and how to send a message. */
export function useMessages(sessionId: string | undefined): UseMessagesResult {
  const service = useAgentService();
  const state = useSessionState(sessionId);
  const [sendError, setSendError] = useState<string>();
  const blocks = state?.threads[MAIN_CONVERSATION] ?? NO_BLOCKS;

  const sendMessage = useCallback(
    async (content: MessageContent) => {
      if (!sessionId) throw new Error("useMessages: there is no session to send to.");
      setSendError(undefined);
      try {
        return await service.sendMessage(sessionId, content);
      } catch (error) {
        setSendError(error instanceof Error ? error.message : String(error));
        throw error;
      }
    },
    [service, sessionId],
  );

  const getBlock = useCallback(
    (blockId: string) => {
      const position = state?.positions[blockId];
      return position ? state?.threads[position.conversationId]?.[position.index] : undefined;
    },
    [state],
  );

  const getBlocksByType = useCallback(
    <T extends BlockType>(type: T) => blocks.filter((block): block is BlockOfType<T> => block.type === type),
    [blocks],
  );

  const streaming = state?.streamingBlocks;
  const streamingBlockIds = useMemo(() => {
    if (!streaming) return NO_IDS;
    const ids = Object.keys(streaming).filter((id) => streaming[id] === MAIN_CONVERSATION);
    return ids.length === 0 ? NO_IDS : new Set(ids);
  }, [streaming]);

  const error = sendError ?? state?.turn.error ?? state?.lastError?.message;
  const turnState = state?.turn.state;
  const stopReason = state?.turn.stopReason;
  return useMemo(
    () => ({
      blocks,
      metadata: state?.metadata,
      isStreaming: turnState !== undefined && turnState !== "idle",
      streamingBlockIds,
      stopReason: turnState === "idle" ? stopReason : undefined,
      error,
      sendMessage,
      getBlock,
      getBlocksByType,
    }),
    [blocks, state?.metadata, turnState, streamingBlockIds, stopReason, error, sendMessage, getBlock, getBlocksByType],
  );
}
