import { HttpClient, HttpError, LogLevel, type HttpRequest, type HttpResponse } from "@microsoft/signalr";
import { describe, expect, it } from "vitest";
import { AgentRuntimeApiError } from "../src/client/AgentRuntimeApiError.js";
import { SignalRTransport } from "../src/client/SignalRTransport.js";

/** Refuses every request with `status` and a problem body, and records the Authorization header each one carried. */
class RefusingHttpClient extends HttpClient {
  readonly authorizations: Array<string | undefined> = [];
  readonly withCredentials: Array<boolean | undefined> = [];

  constructor(
    private readonly status: number,
    private readonly body: string,
  ) {
    super();
  }

  override async send(request: HttpRequest): Promise<HttpResponse> {
    this.authorizations.push(request.headers?.Authorization);
    this.withCredentials.push(request.withCredentials);
    throw new HttpError(this.body, this.status);
  }
}

/** Subscribes to the session list and resolves with the error the stream ends with. */
function listError(transport: SignalRTransport): Promise<unknown> {
  return new Promise((resolve) => transport.subscribeSessionList({ next: () => {}, complete: () => resolve(undefined), error: resolve }));
}

describe("SignalRTransport", () => {
  it("a negotiate refused with 401 fails the stream with an unauthorized error and tells onUnauthorized", async () => {
    const http = new RefusingHttpClient(401, JSON.stringify({ title: "Unauthorized", status: 401, detail: "The API key is not valid." }));
    const told: AgentRuntimeApiError[] = [];
    let issued = 0;
    const transport = new SignalRTransport({
      hubUrl: "http://runtime.test/hubs/sessions",
      getToken: async () => `token-${++issued}`,
      onUnauthorized: (error) => told.push(error),
      connectionOptions: { httpClient: http },
      logLevel: LogLevel.None,
    });

    const first = await listError(transport);
    expect(first).toBeInstanceOf(AgentRuntimeApiError);
    expect(first).toMatchObject({ status: 401, kind: "unauthorized", title: "Unauthorized", detail: "The API key is not valid." });
    expect(told).toEqual([first]);
    expect(transport.error).toBe("401 Unauthorized: The API key is not valid.");

    // Each start asks for the token again, so a refreshed one is used.
    await listError(transport);
    expect(http.authorizations).toEqual(["Bearer token-1", "Bearer token-2"]);
    // No cookies: a server on another origin allows it without credentials, which a credentialed request would fail.
    expect(http.withCredentials).toEqual([false, false]);
    await transport.stop();
  });

  it("a 403 (an origin the server does not allow) keeps its status and is not reported as unauthorized", async () => {
    const told: unknown[] = [];
    const transport = new SignalRTransport({
      hubUrl: "http://runtime.test/hubs/sessions",
      apiKey: "k",
      onUnauthorized: (error) => told.push(error),
      connectionOptions: { httpClient: new RefusingHttpClient(403, "") },
      logLevel: LogLevel.None,
    });
    expect(await listError(transport)).toMatchObject({ status: 403, kind: "forbidden", title: "Forbidden" });
    expect(told).toEqual([]);
    await transport.stop();
  });

  it("other failures to connect pass through as they are", async () => {
    const transport = new SignalRTransport({
      hubUrl: "http://runtime.test/hubs/sessions",
      connectionOptions: { httpClient: new RefusingHttpClient(502, "Bad Gateway") },
      logLevel: LogLevel.None,
    });
    const error = await listError(transport);
    expect(error).not.toBeInstanceOf(AgentRuntimeApiError);
    expect(String(error)).toContain("502");
    await transport.stop();
  });
});
