import { useCallback, useMemo, useState } from "react";
import { useAgentService } from "../context/AgentServiceProvider.js";
import type { BlockOfType, BlockType, ConversationBlock } from "../types/blocks.js";
import { MAIN_CONVERSATION } from "../types/events.js";
import type { SessionMetadata } from "../types/sessions.js";
import { useSessionState } from "./useSessionState.js";

const NO_BLOCKS: ConversationBlock[] = [];

/** What {@link useMessages} returns. */
export interface UseMessagesResult {
  /** The main conversation's blocks, in order; text grows as it streams. */
  blocks: ConversationBlock[];
  /** The main conversation's totals (tokens, cost, model). */
  metadata: SessionMetadata | undefined;
  /** Whether a turn is under way. */
  isStreaming: boolean;
  /** The last failure: of a send, of the turn, or an `error` event. */
  error: string | undefined;
  /** Sends the user's message; resolves to the turn id. */
  sendMessage: (content: string) => Promise<string>;
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
    async (content: string) => {
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

  const error = sendError ?? state?.turn.error ?? state?.lastError?.message;
  return useMemo(
    () => ({
      blocks,
      metadata: state?.metadata,
      isStreaming: state?.turn.state === "running",
      error,
      sendMessage,
      getBlock,
      getBlocksByType,
    }),
    [blocks, state?.metadata, state?.turn.state, error, sendMessage, getBlock, getBlocksByType],
  );
}
