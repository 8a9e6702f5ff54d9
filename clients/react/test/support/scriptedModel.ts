import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A scripted text answer: streamed in `pieces` text deltas with `delayMs` before each; with `toolUse`, then a tool call. */
export interface ScriptedReply {
  text: string;
  pieces?: number;
  delayMs?: number;
  /** A tool call after the text: the reply stops for `tool_use`, and the request that carries its result takes the next reply. */
  toolUse?: { name: string; input: object };
}

/**
 * A tiny stand-in for the Anthropic Messages API on 127.0.0.1: conversation requests (those that offer tools) get the
 * queued replies in order, streamed as message_start, content_block_start/delta/stop, message_delta, message_stop;
 * the CLI's side requests (titles and the like, which offer no tools) get "OK".
 */
export class ScriptedModel {
  private readonly queue: ScriptedReply[] = [];
  private readonly server: Server;
  private messageCount = 0;
  baseUrl = "";
  /** The text of every tool result the agent sent back, in order: what the agent was told (a denial's message, say). */
  readonly toolResults: string[] = [];
  /** For every conversation request, the image blocks of its last user message (media type and base64 data). */
  readonly images: Array<Array<{ mediaType: string; data: string }>> = [];

  private constructor() {
    this.server = createServer((request, response) => {
      void this.handle(request, response).catch(() => response.destroy());
    });
  }

  static async start(): Promise<ScriptedModel> {
    const model = new ScriptedModel();
    await new Promise<void>((resolve) => model.server.listen(0, "127.0.0.1", resolve));
    model.baseUrl = `http://127.0.0.1:${(model.server.address() as AddressInfo).port}`;
    return model;
  }

  enqueue(...replies: ScriptedReply[]): void {
    this.queue.push(...replies);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    let body: { model?: string; stream?: boolean; tools?: unknown[]; messages?: unknown[] } = {};
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      body = {};
    }
    const path = (request.url ?? "/").split("?")[0];

    if (request.method === "POST" && path === "/v1/messages/count_tokens") {
      return json(response, { input_tokens: Math.max(1, Math.floor(raw.length / 4)) });
    }
    if (request.method !== "POST" || path !== "/v1/messages") {
      if (request.method === "HEAD") return void response.end();
      return json(response, {});
    }

    const isConversation = Array.isArray(body.tools) && body.tools.length > 0;
    const result = isConversation ? lastToolResult(body.messages) : undefined;
    if (result !== undefined) this.toolResults.push(result);
    if (isConversation) this.images.push(lastUserImages(body.messages));
    const reply = isConversation ? (this.queue.shift() ?? { text: "(script exhausted)" }) : { text: "OK" };
    const id = `msg_scripted${String(++this.messageCount).padStart(4, "0")}`;
    const model = body.model ?? "claude-scripted";
    const stopReason = reply.toolUse ? "tool_use" : "end_turn";
    const toolUseId = `toolu_scripted${String(this.messageCount).padStart(4, "0")}`;
    if (!body.stream) {
      return json(response, {
        id, type: "message", role: "assistant", model, stop_reason: stopReason, stop_sequence: null,
        content: [
          { type: "text", text: reply.text },
          ...(reply.toolUse ? [{ type: "tool_use", id: toolUseId, name: reply.toolUse.name, input: reply.toolUse.input }] : []),
        ],
        usage: usage(10, 5),
      });
    }

    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (event: string, data: object) => response.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
    send("message_start", {
      message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: usage(10, 1) },
    });
    send("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
    for (const piece of split(reply.text, reply.pieces ?? 3)) {
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      send("content_block_delta", { index: 0, delta: { type: "text_delta", text: piece } });
    }
    send("content_block_stop", { index: 0 });
    if (reply.toolUse) {
      send("content_block_start", { index: 1, content_block: { type: "tool_use", id: toolUseId, name: reply.toolUse.name, input: {} } });
      send("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: JSON.stringify(reply.toolUse.input) } });
      send("content_block_stop", { index: 1 });
    }
    send("message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 5 } });
    send("message_stop", {});
    response.end();
  }
}

/** The image blocks of the conversation's last user message. */
function lastUserImages(messages: unknown[] | undefined): Array<{ mediaType: string; data: string }> {
  const last = [...(messages ?? [])].reverse().find((m) => (m as { role?: string })?.role === "user") as { content?: unknown } | undefined;
  if (!Array.isArray(last?.content)) return [];
  return last.content
    .filter((c) => (c as { type?: string })?.type === "image")
    .map((c) => {
      const source = (c as { source?: { media_type?: string; data?: string } }).source;
      return { mediaType: source?.media_type ?? "", data: source?.data ?? "" };
    });
}

/** The text of the tool result in the conversation's last user message, if it carries one. */
function lastToolResult(messages: unknown[] | undefined): string | undefined {
  const last = [...(messages ?? [])].reverse().find((m) => (m as { role?: string })?.role === "user") as { content?: unknown } | undefined;
  if (!Array.isArray(last?.content)) return undefined;
  const result = last.content.find((c) => (c as { type?: string })?.type === "tool_result") as { content?: unknown } | undefined;
  if (!result) return undefined;
  if (typeof result.content === "string") return result.content;
  return Array.isArray(result.content) ? result.content.map((c) => (c as { text?: string })?.text ?? "").join("") : "";
}

function json(response: ServerResponse, body: object): void {
  response.writeHead(200, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

function usage(input: number, output: number) {
  return { input_tokens: input, output_tokens: output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
}

function split(text: string, pieces: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / pieces));
  const result: string[] = [];
  for (let start = 0; start < text.length; start += size) result.push(text.slice(start, start + size));
  return result;
}
