import { describe, expect, it } from "vitest";
import { AgentRuntimeApiError, isRateLimited, isUnauthorized, parseRetryAfter } from "../src/client/AgentRuntimeApiError.js";
import { RestClient, type RestClientOptions } from "../src/client/RestClient.js";

interface Sent {
  method: string;
  url: string;
  authorization: string | null;
  body: string | undefined;
}

/** A fetch that records each request and answers with the next of `answers` (the last repeats). */
function fakeFetch(...answers: Array<() => Response>) {
  const sent: Sent[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    sent.push({ method: init?.method ?? "GET", url: String(input), authorization: headers.get("authorization"), body: init?.body as string | undefined });
    return (answers[sent.length - 1] ?? answers.at(-1)!)();
  };
  return { sent, fetch: fetch as typeof globalThis.fetch };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => () =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

const problem = (status: number, title: string, detail?: string, headers: Record<string, string> = {}) =>
  json(status, { type: "about:blank", title, status, ...(detail ? { detail } : {}) }, { "content-type": "application/problem+json", ...headers });

function client(options: Omit<RestClientOptions, "apiUrl" | "fetch">, ...answers: Array<() => Response>) {
  const fake = fakeFetch(...answers);
  return { rest: new RestClient({ apiUrl: "http://runtime.test/", fetch: fake.fetch, ...options }), sent: fake.sent };
}

const me = { tenantId: "default", scopes: ["admin", "sessions"], keyId: "3f9a", authMode: "apikey" };

describe("RestClient authentication", () => {
  it("sends the API key as a bearer token on every call, downloads included", async () => {
    const { rest, sent } = client({ apiKey: "ar_0123456789abcdef.secret" }, json(200, me), () => new Response(new Uint8Array([0x50, 0x4b])));
    await rest.me();
    expect(await (await rest.readWorkspaceZip("s 1")).arrayBuffer()).toEqual(new Uint8Array([0x50, 0x4b]).buffer);
    expect(sent.map((s) => [s.url, s.authorization])).toEqual([
      ["http://runtime.test/api/me", "Bearer ar_0123456789abcdef.secret"],
      ["http://runtime.test/api/sessions/s%201/files.zip", "Bearer ar_0123456789abcdef.secret"],
    ]);
  });

  it("asks the token factory before every call, waits for it, and prefers it to the key", async () => {
    let issued = 0;
    const getToken = async () => `jwt-${++issued}`;
    const { rest, sent } = client({ apiKey: "ignored", getToken }, json(200, { sessions: [] }));
    await rest.listSessions();
    await rest.listSessions();
    expect(sent.map((s) => s.authorization)).toEqual(["Bearer jwt-1", "Bearer jwt-2"]);
  });

  it("sends no Authorization header without a key, or when the factory gives an empty token", async () => {
    const anonymous = client({}, json(200, { status: "ok", time: "2026-11-23T19:00:00Z" }));
    await anonymous.rest.health();
    const empty = client({ getToken: () => "" }, json(200, { status: "ok", time: "2026-11-23T19:00:00Z" }));
    await empty.rest.health();
    expect([anonymous.sent[0]!.authorization, empty.sent[0]!.authorization]).toEqual([null, null]);
  });

  it("me() reads who the server takes the caller to be", async () => {
    const { rest } = client({ apiKey: "k" }, json(200, me));
    expect(await rest.me()).toEqual(me);
  });

  it("a 401 throws an unauthorized error and tells onUnauthorized first", async () => {
    const told: AgentRuntimeApiError[] = [];
    const { rest } = client(
      { apiKey: "ar_wrong.key", onUnauthorized: (error) => told.push(error) },
      problem(401, "Unauthorized", "The API key is not valid.", { "www-authenticate": "Bearer" }),
    );
    const error = await rest.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentRuntimeApiError);
    expect(error).toMatchObject({ status: 401, kind: "unauthorized", title: "Unauthorized", detail: "The API key is not valid." });
    expect(isUnauthorized(error)).toBe(true);
    expect(told).toEqual([error]);
  });

  it("other errors keep their kind and do not call onUnauthorized", async () => {
    const told: unknown[] = [];
    const { rest } = client({ apiKey: "k", onUnauthorized: (error) => told.push(error) }, problem(403, "Forbidden"), problem(404, "Session not found"), problem(500, "Boom"));
    const kinds = [];
    for (const call of [() => rest.listKeys(), () => rest.getSession("x"), () => rest.listSessions()]) {
      kinds.push(((await call().catch((e: unknown) => e)) as AgentRuntimeApiError).kind);
    }
    expect(kinds).toEqual(["forbidden", "not_found", "server"]);
    expect(told).toEqual([]);
  });

  it("a 429 carries the seconds of its Retry-After", async () => {
    const { rest } = client({ apiKey: "k" }, problem(429, "Too many sessions", "The tenant may have 2 sessions.", { "retry-after": "7" }));
    const error = await rest.createSession({ agentProfileRef: "default", architecture: "claude-agent-sdk" }).catch((e: unknown) => e);
    expect(isRateLimited(error)).toBe(true);
    expect(error).toMatchObject({ status: 429, kind: "rate_limited", retryAfter: 7, title: "Too many sessions" });
    expect((error as Error).message).toBe("429 Too many sessions: The tenant may have 2 sessions. (retry after 7 s)");
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-11-23T19:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter("Mon, 23 Nov 2026 19:00:30 GMT", now)).toBe(30);
    expect(parseRetryAfter("Mon, 23 Nov 2026 18:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe("RestClient keys", () => {
  const info = { keyId: "a1b2", tenantId: "b", scopes: ["sessions"], name: "ci", createdAt: "2026-11-23T19:00:00Z" };

  it("createKey posts the request and returns the secret", async () => {
    const { rest, sent } = client({ apiKey: "admin" }, json(201, { ...info, key: "ar_a1b2.s3cret" }));
    const created = await rest.createKey({ tenantId: "b", scopes: ["sessions"], name: "ci" });
    expect(created.key).toBe("ar_a1b2.s3cret");
    expect(sent[0]).toMatchObject({ method: "POST", url: "http://runtime.test/api/keys" });
    expect(JSON.parse(sent[0]!.body!)).toEqual({ tenantId: "b", scopes: ["sessions"], name: "ci" });
  });

  it("listKeys lists all keys or one tenant's", async () => {
    const { rest, sent } = client({ apiKey: "admin" }, json(200, [info]));
    expect(await rest.listKeys()).toEqual([info]);
    await rest.listKeys("team b");
    expect(sent.map((s) => s.url)).toEqual(["http://runtime.test/api/keys", "http://runtime.test/api/keys?tenantId=team%20b"]);
  });

  it("deleteKey deletes by id, and a missing key is the server's 404", async () => {
    const { rest, sent } = client({ apiKey: "admin" }, () => new Response(null, { status: 204 }), problem(404, "Key not found"));
    await rest.deleteKey("a1b2");
    expect(sent[0]).toMatchObject({ method: "DELETE", url: "http://runtime.test/api/keys/a1b2" });
    await expect(rest.deleteKey("a1b2")).rejects.toMatchObject({ status: 404, kind: "not_found" });
  });
});

describe("RestClient session pages", () => {
  it("listSessionsPage asks for a limit, a cursor and a tenant, and reads the next cursor", async () => {
    const page = { sessions: [{ sessionId: "a" }], nextCursor: "AQ_-x" };
    const { rest, sent } = client({}, json(200, page), json(200, { sessions: [], nextCursor: null }), json(200, { sessions: [] }));
    expect(await rest.listSessionsPage({ limit: 50 })).toEqual(page);
    expect(await rest.listSessionsPage({ limit: 50, cursor: "AQ_-x", tenantId: "a b" })).toEqual({ sessions: [], nextCursor: null });
    // A server from before pages answers with the whole list and no cursor: that is the last page.
    expect(await rest.listSessionsPage({ limit: 50 })).toEqual({ sessions: [], nextCursor: null });
    expect(sent.map((s) => s.url)).toEqual([
      "http://runtime.test/api/sessions?limit=50",
      "http://runtime.test/api/sessions?limit=50&cursor=AQ_-x&tenantId=a+b",
      "http://runtime.test/api/sessions?limit=50",
    ]);
  });

  it("a bad limit or cursor is the server's 400", async () => {
    const { rest } = client({}, problem(400, "Malformed request", "'limit' must be a whole number from 1 to 1000, not '0'."));
    await expect(rest.listSessionsPage({ limit: 0 })).rejects.toMatchObject({ status: 400, detail: expect.stringContaining("'limit'") });
  });
});

describe("RestClient control of a running agent", () => {
  it("interrupt posts to the session's interrupt and reads the stopped turn; no turn running is the server's 409", async () => {
    const { rest, sent } = client({}, json(202, { turnId: "t1" }), problem(409, "No turn is running", "Session 's 1' has no turn to interrupt."));
    expect(await rest.interrupt("s 1")).toBe("t1");
    expect(sent[0]).toMatchObject({ method: "POST", url: "http://runtime.test/api/sessions/s%201/interrupt", body: undefined });
    await expect(rest.interrupt("s 1")).rejects.toMatchObject({ status: 409, kind: "other" });
  });

  it("answerApproval posts the answer and returns the resolved event; answered twice is a 409, unknown a 404", async () => {
    const resolved = { seq: 9, sessionId: "s1", timestamp: "t", type: "session:approval:resolved", approvalId: "a/1", decision: "allow", by: "k1", remember: true };
    const { rest, sent } = client({}, json(200, resolved), problem(409, "Already answered"), problem(404, "Approval not found"));
    const answer = { decision: "allow" as const, updatedInput: { command: "echo hi" }, remember: "session" as const };
    expect(await rest.answerApproval("s1", "a/1", answer)).toEqual(resolved);
    expect(sent[0]).toMatchObject({ method: "POST", url: "http://runtime.test/api/sessions/s1/approvals/a%2F1" });
    expect(JSON.parse(sent[0]!.body!)).toEqual(answer);
    await expect(rest.answerApproval("s1", "a/1", { decision: "deny", message: "no" })).rejects.toMatchObject({ status: 409 });
    await expect(rest.answerApproval("s1", "gone", { decision: "deny" })).rejects.toMatchObject({ status: 404, kind: "not_found" });
  });

  it("updateOptions patches the options, null meaning the profile's, and reads them back", async () => {
    const { rest, sent } = client({}, json(200, { permissionMode: "ask", allowedTools: [] }));
    expect(await rest.updateOptions("s1", { model: null, permissionMode: "ask" })).toEqual({ permissionMode: "ask", allowedTools: [] });
    expect(sent[0]).toMatchObject({ method: "PATCH", url: "http://runtime.test/api/sessions/s1/options" });
    expect(JSON.parse(sent[0]!.body!)).toEqual({ model: null, permissionMode: "ask" });
  });

  it("sendMessage sends text as a string and images as parts", async () => {
    const { rest, sent } = client({}, json(202, { turnId: "t1" }), json(202, { turnId: "t2" }));
    await rest.sendMessage("s1", "hello");
    const parts = [
      { type: "text" as const, text: "what is this?" },
      { type: "image" as const, mediaType: "image/png" as const, data: "iVBORw0KGgo=" },
    ];
    expect(await rest.sendMessage("s1", parts)).toBe("t2");
    expect(sent.map((s) => JSON.parse(s.body!))).toEqual([{ content: "hello" }, { content: parts }]);
  });
});
