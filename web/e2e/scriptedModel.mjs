// A stand-in for the Anthropic Messages API on 127.0.0.1, for the real Claude Code CLI. A conversation request is one
// that offers tools: the first of a turn is answered with thinking, text and a Bash tool call that writes hello.txt; the
// one that carries the tool's result is answered with text. Requests without tools (titles and the like) get "OK".
// Text is streamed in small pieces with pauses, so the page can be seen filling in.
//
// A message that names one of SCENARIOS (the newest named in the conversation counts) gets that scenario's Bash call
// instead, and the answer after its result quotes the result, so a test sees what the agent was told (a denial, say).
import { createServer } from "node:http";

export const FIRST_TEXT = "I'll create **hello.txt** with a greeting, then check that it is there.";
export const FINAL_TEXT = [
  "Done — `hello.txt` now holds one line:",
  "",
  "```",
  "hello",
  "```",
  "",
  "- written with `echo` in the workspace",
  "- you can open it in the **Workspace** panel",
].join("\n");
export const BASH_INPUT = { command: "echo hello > hello.txt", description: "x" };

/** Markers a test puts in its message, and the Bash call each makes the model ask for. */
export const SCENARIOS = {
  /** A call that runs long enough to be stopped. */
  "SCENARIO-SLEEP": { command: "sleep 25", description: "Wait" },
  /** A call a person allows: it writes approved.txt. */
  "SCENARIO-APPROVE": { command: "echo approved > approved.txt", description: "Write approved.txt" },
  /** A call a person denies. */
  "SCENARIO-DENY": { command: "echo denied > denied.txt", description: "Write denied.txt" },
  /** A call whose input is hostile: markup that must stay text, and a lot of it. */
  "SCENARIO-HOSTILE": {
    command: `echo '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">' > hostile.txt # ${"A".repeat(60_000)}`,
    description: '<b>bold?</b><iframe src="javascript:window.__pwned=3"></iframe>',
  },
};

/** The answer after a scenario's tool result: it quotes the result. */
export const RESULT_PREFIX = "The tool answered: ";

export class ScriptedModel {
  /** @type {{ path: string; tools: boolean; hasToolResult: boolean; images: number; model: string | undefined }[]} */
  requests = [];
  baseUrl = "";
  #server;
  #count = 0;

  static async start() {
    const model = new ScriptedModel();
    model.#server = createServer((request, response) => {
      model.#handle(request, response).catch(() => response.destroy());
    });
    await new Promise((resolve) => model.#server.listen(0, "127.0.0.1", resolve));
    model.baseUrl = `http://127.0.0.1:${model.#server.address().port}`;
    return model;
  }

  async stop() {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(request, response) {
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    const raw = Buffer.concat(chunks).toString("utf8");
    let body = {};
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
      if (request.method === "HEAD") return response.end();
      return json(response, {});
    }

    const tools = Array.isArray(body.tools) && body.tools.length > 0;
    const hasToolResult = lastUserMessageHasToolResult(body.messages);
    const scenario = newestScenario(body.messages);
    // A message naming a scenario starts it even when the same user message carries a tool result (the CLI folds the
    // result of a call cut off by an interrupt into the next message).
    const startsScenario = scenario !== undefined && newestScenario(lastUserMessage(body.messages)) === scenario;
    this.requests.push({ path, tools, hasToolResult, images: countImages(lastUserMessage(body.messages)), model: body.model });
    const id = `msg_web${String(++this.#count).padStart(4, "0")}`;
    const model = body.model ?? "claude-scripted";

    /** @type {{ type: string; text?: string; thinking?: string; name?: string; input?: object; id?: string }[]} */
    let content;
    let stopReason = "end_turn";
    if (!tools) {
      content = [{ type: "text", text: "OK" }];
    } else if (startsScenario) {
      content = [
        { type: "text", text: `Running the ${scenario} step.` },
        { type: "tool_use", id: `toolu_web${String(this.#count).padStart(4, "0")}`, name: "Bash", input: SCENARIOS[scenario] },
      ];
      stopReason = "tool_use";
    } else if (hasToolResult && scenario) {
      content = [{ type: "text", text: `${RESULT_PREFIX}${lastToolResultText(body.messages)}` }];
    } else if (hasToolResult) {
      content = [{ type: "text", text: FINAL_TEXT }];
    } else if (scenario) {
      content = [{ type: "text", text: `I saw ${countImages(lastUserMessage(body.messages))} image(s).` }];
    } else {
      content = [
        { type: "thinking", thinking: "The user wants a file. A single echo into hello.txt does it; then I will report back." },
        { type: "text", text: FIRST_TEXT },
        { type: "tool_use", id: `toolu_web${String(this.#count).padStart(4, "0")}`, name: "Bash", input: BASH_INPUT },
      ];
      stopReason = "tool_use";
    }
    const usage = { input_tokens: 1200, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

    if (!body.stream) {
      return json(response, {
        id, type: "message", role: "assistant", model, stop_reason: stopReason, stop_sequence: null,
        content: content.map((c) => (c.type === "thinking" ? { ...c, signature: "sig" } : c)),
        usage: { ...usage, output_tokens: 40 },
      });
    }

    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (event, data) => response.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
    const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    const streamed = tools; // the side requests need no show
    send("message_start", { message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage } });
    for (const [index, block] of content.entries()) {
      if (block.type === "text") {
        send("content_block_start", { index, content_block: { type: "text", text: "" } });
        for (const piece of split(block.text, streamed ? 12 : 1)) {
          if (streamed) await pause(110);
          send("content_block_delta", { index, delta: { type: "text_delta", text: piece } });
        }
      } else if (block.type === "thinking") {
        send("content_block_start", { index, content_block: { type: "thinking", thinking: "", signature: "" } });
        for (const piece of split(block.thinking, 3)) send("content_block_delta", { index, delta: { type: "thinking_delta", thinking: piece } });
        send("content_block_delta", { index, delta: { type: "signature_delta", signature: "sig" } });
      } else {
        send("content_block_start", { index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } });
        for (const piece of split(JSON.stringify(block.input), 3)) {
          send("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: piece } });
        }
      }
      send("content_block_stop", { index });
    }
    send("message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 42 } });
    send("message_stop", {});
    response.end();
  }
}

function lastUserMessageHasToolResult(messages) {
  if (!Array.isArray(messages)) return false;
  const last = [...messages].reverse().find((m) => m?.role === "user");
  return Array.isArray(last?.content) && last.content.some((c) => c?.type === "tool_result");
}

/** The conversation's last user message, as a one-message list. */
function lastUserMessage(messages) {
  const last = Array.isArray(messages) ? [...messages].reverse().find((m) => m?.role === "user") : undefined;
  return last ? [last] : [];
}

/** How many image blocks the messages carry. */
function countImages(messages) {
  return messages.reduce((n, m) => n + (Array.isArray(m?.content) ? m.content.filter((c) => c?.type === "image").length : 0), 0);
}

/** The scenario marker that occurs last in the conversation's user messages, if any. */
function newestScenario(messages) {
  if (!Array.isArray(messages)) return undefined;
  const text = JSON.stringify(messages.filter((m) => m?.role === "user"));
  let newest;
  let at = -1;
  for (const name of Object.keys(SCENARIOS)) {
    const index = text.lastIndexOf(name);
    if (index > at) [newest, at] = [name, index];
  }
  return newest;
}

/** The text of the last tool result the conversation carries. */
function lastToolResultText(messages) {
  const last = [...messages].reverse().find((m) => m?.role === "user");
  const result = last?.content?.find?.((c) => c?.type === "tool_result");
  const content = result?.content;
  if (typeof content === "string") return content;
  return Array.isArray(content) ? content.map((c) => c?.text ?? "").join("") : "";
}

function json(response, body) {
  response.writeHead(200, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

function split(text, pieces) {
  const size = Math.max(1, Math.ceil(text.length / pieces));
  const result = [];
  for (let start = 0; start < text.length; start += size) result.push(text.slice(start, start + size));
  return result;
}
