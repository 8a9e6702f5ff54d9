// @vitest-environment jsdom
import { act, cleanup, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { AgentServiceProvider, RestClient, useProfiles, type AgentProfile } from "../src/index.js";
import { FakeHub } from "./support/FakeHub.js";

afterEach(() => cleanup());

interface Sent {
  method: string;
  path: string;
  body: unknown;
}

/** A fetch with a small profile store: POST adds version 1, PUT adds the next, a bad skill name is refused as the server does. */
function profileServer() {
  const profiles = new Map<string, AgentProfile[]>([["default", [{ id: "default", name: "Default", description: "d" }]]]);
  const sent: Sent[] = [];
  const answer = (status: number, value: unknown) =>
    new Response(value === undefined ? null : JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? "GET";
    const body = typeof init?.body === "string" ? (JSON.parse(init.body) as AgentProfile) : undefined;
    sent.push({ method, path: url.pathname + url.search, body });
    const id = decodeURIComponent(url.pathname.split("/")[3] ?? "");
    if (url.pathname === "/api/profiles" && method === "GET") {
      return answer(200, [...profiles.values()].map((v) => ({ id: v.at(-1)!.id, name: v.at(-1)!.name, description: v.at(-1)!.description })));
    }
    if (body && (body as { skills?: Array<{ name: string }> }).skills?.some((s) => !/^[a-z0-9-]+$/.test(s.name))) {
      return answer(400, { title: "Invalid profile", status: 400, detail: "The profile is not valid.", errors: ["skills[0].name: must be lowercase letters, digits and hyphens."] });
    }
    if (url.pathname === "/api/profiles" && method === "POST") {
      if (profiles.has(body!.id)) return answer(409, { title: "Profile exists", status: 409 });
      profiles.set(body!.id, [body!]);
      return answer(201, { profile: body, version: 1, createdAt: "2025-01-01T00:00:00Z" });
    }
    if (method === "PUT") {
      profiles.get(id)!.push(body!);
      return answer(200, { profile: body, version: profiles.get(id)!.length, createdAt: "2025-01-01T00:00:00Z" });
    }
    if (method === "DELETE") return profiles.delete(id) ? answer(204, undefined) : answer(404, { title: "Profile not found", status: 404 });
    if (url.pathname.endsWith("/versions")) return answer(200, profiles.get(id)!.map((_, i) => ({ version: i + 1, createdAt: "2025-01-01T00:00:00Z" })));
    const version = url.searchParams.get("version");
    return answer(200, version ? profiles.get(id)![Number(version) - 1] : profiles.get(id)!.at(-1));
  }) as typeof globalThis.fetch;
  return { fetch, sent };
}

function setup() {
  const server = profileServer();
  const wrapper = ({ children }: { children: ReactNode }) => (
    <AgentServiceProvider apiUrl="http://runtime.test" hubUrl="http://runtime.test/hubs/sessions" transport={new FakeHub()} fetch={server.fetch} notifyIntervalMs={0}>
      {children}
    </AgentServiceProvider>
  );
  return { server, ...renderHook(() => useProfiles(), { wrapper }) };
}

describe("useProfiles", () => {
  it("lists the profiles, creates and updates one, and reads its versions", async () => {
    const { result } = setup();
    await waitFor(() => expect(result.current.profiles.map((p) => p.id)).toEqual(["default"]));

    let created: Awaited<ReturnType<typeof result.current.saveProfile>> | undefined;
    await act(async () => {
      created = await result.current.saveProfile({ id: "reviewer", name: "Reviewer", systemPrompt: "One." }, { create: true });
    });
    await act(async () => {
      await result.current.saveProfile({ id: "reviewer", name: "Reviewer", systemPrompt: "Two." });
    });

    expect(created).toMatchObject({ ok: true, stored: { version: 1 } });
    expect(result.current.profiles.map((p) => p.id)).toEqual(["default", "reviewer"]);
    expect((await result.current.listVersions("reviewer")).map((v) => v.version)).toEqual([1, 2]);
    expect((await result.current.getProfile("reviewer", 1)).systemPrompt).toBe("One.");
    expect((await result.current.getProfile("reviewer")).systemPrompt).toBe("Two.");
  });

  it("surfaces the server's field errors of a refused save, and clears them after an accepted one", async () => {
    const { result } = setup();
    await waitFor(() => expect(result.current.isLoading).toBe(false));

    let refused: Awaited<ReturnType<typeof result.current.saveProfile>> | undefined;
    await act(async () => {
      refused = await result.current.saveProfile({ id: "bad", name: "Bad", skills: [{ name: "Not A Name!", description: "d", body: "b" }] }, { create: true });
    });

    expect(refused).toMatchObject({ ok: false, status: 400, errors: ["skills[0].name: must be lowercase letters, digits and hyphens."] });
    expect(result.current.validationErrors).toEqual(["skills[0].name: must be lowercase letters, digits and hyphens."]);

    let duplicate: Awaited<ReturnType<typeof result.current.saveProfile>> | undefined;
    await act(async () => {
      duplicate = await result.current.saveProfile({ id: "default", name: "Again" }, { create: true });
    });
    expect(duplicate).toMatchObject({ ok: false, status: 409, errors: [] });

    await act(async () => {
      await result.current.saveProfile({ id: "good", name: "Good" }, { create: true });
    });
    expect(result.current.validationErrors).toEqual([]);
  });

  it("deletes a profile and reads the list again", async () => {
    const { result, server } = setup();
    await waitFor(() => expect(result.current.profiles).toHaveLength(1));

    await act(async () => {
      await result.current.deleteProfile("default");
    });

    expect(result.current.profiles).toEqual([]);
    expect(server.sent.filter((r) => r.method === "DELETE").map((r) => r.path)).toEqual(["/api/profiles/default"]);
  });
});

describe("RestClient profiles", () => {
  it("moves a session to a profile version with PATCH profileVersion", async () => {
    const sent: Sent[] = [];
    const rest = new RestClient({
      apiUrl: "http://runtime.test",
      fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
        sent.push({ method: init?.method ?? "GET", path: new URL(String(input)).pathname, body: JSON.parse(String(init?.body)) });
        return new Response(JSON.stringify({ usage: {} }), { status: 200, headers: { "content-type": "application/json" } });
      }) as typeof fetch,
    });

    await rest.setProfileVersion("s 1", "latest");
    await rest.setProfileVersion("s 1", 3);

    expect(sent).toEqual([
      { method: "PATCH", path: "/api/sessions/s%201", body: { profileVersion: "latest" } },
      { method: "PATCH", path: "/api/sessions/s%201", body: { profileVersion: 3 } },
    ]);
  });
});
