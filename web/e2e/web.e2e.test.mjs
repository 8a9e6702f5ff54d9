// The web UI end to end: the real server (Release build) serving web/dist, the real Claude Code CLI in its sandbox,
// a scripted model, and headless Chromium. Screenshots go to artifacts/web/.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { launchBrowser } from "./browser.mjs";
import { OtherOrigin } from "./otherOrigin.mjs";
import { repoRoot, RuntimeServer } from "./runtimeServer.mjs";
import { BASH_INPUT, FIRST_TEXT, ScriptedModel } from "./scriptedModel.mjs";

const artifacts = join(repoRoot, "artifacts/web");

// Ended from outside (a timeout, Ctrl+C): exit, so the exit hooks stop the server; Playwright closes its browser itself.
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => process.exit(1));
const UI_WAIT = 15_000; // anything the page does by itself
const TURN_WAIT = 90_000; // a whole turn: sandbox start, the CLI, two model calls, a tool call

describe("web UI on the real server", () => {
  /** @type {ScriptedModel} */ let model;
  /** @type {RuntimeServer} */ let server;
  /** @type {OtherOrigin} */ let otherOrigin;
  /** @type {Awaited<ReturnType<typeof launchBrowser>>} */ let browser;
  /** @type {import("playwright-core").Page} */ let page;
  let appLoaded = false;
  let sessionId = "";
  let conversationBeforeReload = [];
  const pageErrors = [];

  const shot = (name) => page.screenshot({ path: join(artifacts, `${name}.png`) });
  const sel = (testId, extra = "") => `[data-testid="${testId}"]${extra}`;

  /** Runs a step; on failure saves a screenshot and adds the server's output to the error. */
  const step = (name, body) => async (t) => {
    try {
      await body(t);
    } catch (error) {
      await page?.screenshot({ path: join(artifacts, `failed-${name}.png`) }).catch(() => {});
      const log = server?.log.split("\n").slice(-40).join("\n") ?? "";
      error.message += `\n--- page errors ---\n${pageErrors.join("\n")}\n--- server output (last lines) ---\n${log}`;
      throw error;
    }
  };

  before(async () => {
    rmSync(artifacts, { recursive: true, force: true });
    mkdirSync(artifacts, { recursive: true });
    model = await ScriptedModel.start();
    // Pages of http://localhost:<port> may call the server; the same page as http://127.0.0.1:<port> is another,
    // unlisted, origin.
    otherOrigin = await OtherOrigin.start();
    server = await RuntimeServer.start(model.baseUrl, { env: { AgentRuntime__Cors__Origins__0: `http://localhost:${otherOrigin.port}` } });
    browser = await launchBrowser({ width: 1280, height: 800 });
    page = browser.page;
    page.setDefaultTimeout(UI_WAIT);
    page.on("pageerror", (error) => pageErrors.push(error.message));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await otherOrigin?.stop();
    await model?.stop();
  });

  it(
    "serves the app at / and asks for a key, refusing a wrong one",
    step("sign-in", async () => {
      const response = await page.goto(server.baseUrl);
      assert.equal(response?.status(), 200);
      // The app's own files are served as themselves, not as the SPA fallback's index.html.
      const script = await page.locator("script[type=module]").getAttribute("src");
      const asset = await fetch(new URL(script, server.baseUrl));
      assert.match(asset.headers.get("content-type") ?? "", /javascript/, `GET ${script} answered ${asset.headers.get("content-type")}`);

      await page.locator(sel("sign-in")).waitFor();
      assert.equal(await page.locator(sel("sign-in-submit")).isDisabled(), true);
      await page.fill(sel("api-key-input"), "ar_0000000000000000.not-a-key");
      await page.click(sel("sign-in-submit"));
      await page.locator(sel("sign-in-error")).getByText("not accepted").waitFor();
      assert.equal(await storedKey(page), null);
      await shot("01-sign-in-refused");
    }),
  );

  it(
    "signs in with the admin key the server wrote, shows the tenant, and connects to the hub",
    step("app", async () => {
      await page.locator(sel("sign-in")).waitFor();
      await page.fill(sel("api-key-input"), server.adminKey);
      await page.click(sel("sign-in-submit"));
      await page.waitForSelector(sel("connection", '[data-state="connected"]'));
      await page.getByText("Start a new session").waitFor();
      assert.equal(await page.locator(sel("tenant")).innerText(), "Tenant default");
      assert.equal(await storedKey(page), server.adminKey);
      await shot("02-home");
      appLoaded = true;

      // The key is kept: a reload opens the app again without asking.
      await page.reload();
      await page.waitForSelector(sel("connection", '[data-state="connected"]'));
      assert.equal(await page.locator(sel("sign-in")).count(), 0);
    }),
  );

  it(
    "creates a session from a profile and an available architecture",
    step("create", async (t) => {
      if (!appLoaded) return t.skip("the app did not load");
      await page.click(sel("new-session-link"));
      await page.waitForURL(/\/new$/);
      await page.waitForSelector(sel("profile-option"));
      const claude = page.locator(sel("architecture-option"), { hasText: "claude-agent-sdk" });
      assert.equal(await claude.getAttribute("data-available"), "true");
      // The others are listed with the server's reason (no key or command configured here).
      const unavailable = page.locator(`${sel("architecture-option")}[data-available="false"]`);
      assert.ok((await unavailable.count()) >= 1, "expected an unavailable architecture with its reason");
      assert.match(await unavailable.first().innerText(), /Unavailable: .+/);
      await page.fill("input[placeholder^='e.g.']", "Web UI end to end");
      await claude.locator("input").check();
      await shot("03-new-session");

      await page.click("button[type=submit]");
      await page.waitForURL(/\/sessions\/[^/]+$/);
      sessionId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop());
      await page.waitForSelector(sel("session-view"));
      await page.locator(`${sel("session-item")}[data-session-id="${sessionId}"]`).waitFor();
      await page.locator(".session-title", { hasText: "Web UI end to end" }).waitFor();
    }),
  );

  it(
    "streams the answer, runs the tool to success and shows the new file",
    step("turn", async (t) => {
      if (!sessionId) return t.skip("no session");
      // Record what the page shows while the turn runs: how the answer grows, and the sandbox's progress state.
      await page.evaluate(() => {
        const seen = { lengths: [], streaming: false, sandboxStarting: false, startingChip: false };
        window.__seen = seen;
        const record = () => {
          document.querySelectorAll('[data-testid="assistant-text"]').forEach((element, index) => {
            const lengths = (seen.lengths[index] ??= []);
            const length = element.textContent.length;
            if (lengths[lengths.length - 1] !== length) lengths.push(length);
          });
          if (document.querySelector('[data-testid="assistant-text"][data-streaming="true"]')) seen.streaming = true;
          if (document.querySelector('[data-testid="sandbox-starting"]')) seen.sandboxStarting = true;
          if (document.querySelector('[data-testid="sandbox-state"][data-state="starting"]')) seen.startingChip = true;
        };
        new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      });

      await page.fill(sel("composer-input"), "Create hello.txt containing hello, then tell me what you did.");
      await page.click(sel("send"));
      await page.locator(sel("user-message")).getByText("Create hello.txt").waitFor();
      await page.locator(`${sel("assistant-text")}[data-streaming="true"]`).first().waitFor({ timeout: TURN_WAIT });
      await shot("04-streaming");

      const bash = page.locator(`${sel("tool-card")}[data-tool="Bash"]`);
      await page.locator(`${sel("tool-card")}[data-tool="Bash"][data-status="success"]`).waitFor({ timeout: TURN_WAIT });
      assert.equal(await bash.locator(".tool-summary").innerText(), BASH_INPUT.command);
      await page.locator(`.session-header ${sel("turn-state")}[data-state="idle"]`).waitFor({ timeout: TURN_WAIT });

      // Two answers, rendered as markdown: bold, inline code, a code block, a list.
      const texts = page.locator(sel("assistant-text"));
      assert.equal(await texts.count(), 2);
      assert.equal(await texts.nth(0).innerText(), FIRST_TEXT.replaceAll("**", ""));
      assert.equal(await texts.nth(0).locator("strong").innerText(), "hello.txt");
      assert.equal((await texts.nth(1).locator("pre code").innerText()).trim(), "hello");
      assert.equal(await texts.nth(1).locator("li").count(), 2);
      assert.equal(await page.locator(`${sel("assistant-text")}[data-streaming="true"]`).count(), 0);

      const seen = await page.evaluate(() => window.__seen);
      t.diagnostic(`answer lengths seen while streaming: ${JSON.stringify(seen.lengths)}`);
      t.diagnostic(`sandbox progress shown: banner ${seen.sandboxStarting}, chip ${seen.startingChip}`);
      assert.ok(seen.streaming, "no answer was ever shown as streaming");
      // The banner follows the session's own state, which can take "starting" and "ready" in one render when the
      // sandbox comes up quickly; the chip follows the session list. Either one showing the start is what a user sees.
      assert.ok(seen.sandboxStarting || seen.startingChip, "the sandbox's start was never shown");
      assert.ok(
        seen.lengths.some((lengths) => lengths.filter((n) => n > 0).length >= 3),
        `the answers did not grow in steps: ${JSON.stringify(seen.lengths)}`,
      );

      // The thinking block is there, collapsed, and opens.
      const thinking = page.locator(sel("thinking"));
      assert.equal(await thinking.count(), 1);
      assert.equal(await thinking.getAttribute("open"), null);

      // Usage and cost from session:metadata:update.
      const usage = await page.locator(sel("usage")).innerText();
      assert.match(usage, /[1-9][\d,]*\s+in/);
      assert.match(usage, /\$\d/);

      // The file the tool wrote, in the tree, its text in the viewer, and both downloads.
      const row = page.locator(`${sel("file-row")}[data-path="hello.txt"]`);
      await row.waitFor();
      await row.locator(".tree-open").click();
      await page.locator(sel("file-content")).getByText("hello").waitFor();
      assert.equal(await page.locator(sel("file-content")).innerText(), "hello\n");
      // Downloads carry the key (a plain link cannot send the header): each click saves what the server sent.
      const file = await download(page, row.locator("a[download]"));
      const zip = await download(page, page.locator(sel("download-zip")));
      assert.deepEqual(
        { file: file.name, text: file.bytes.toString("utf8"), zip: zip.name, zipMagic: zip.bytes.subarray(0, 2).toString("latin1") },
        { file: "hello.txt", text: "hello\n", zip: `workspace-${sessionId.slice(0, 8)}.zip`, zipMagic: "PK" },
      );
      // Without the key, the same address is refused.
      assert.equal((await fetch(new URL(await row.locator("a[download]").getAttribute("href"), server.baseUrl))).status, 401);

      // The list shows the session's live status.
      const item = page.locator(`${sel("session-item")}[data-session-id="${sessionId}"]`);
      await item.locator(`${sel("turn-state")}[data-state="idle"]`).waitFor();
      await item.locator(`${sel("sandbox-state")}[data-state="ready"]`).waitFor();

      conversationBeforeReload = await conversation(page);
      await shot("05-conversation");

      await bash.locator(".card-header").click();
      assert.match(await bash.locator(sel("tool-input")).innerText(), /"command": "echo hello > hello.txt"/);
      await thinking.locator("summary").click();
      await shot("06-tool-and-thinking-open");
      assert.deepEqual(pageErrors, []);
    }),
  );

  it(
    "shows the same conversation after a reload",
    step("reload", async (t) => {
      if (conversationBeforeReload.length === 0) return t.skip("no conversation");
      await page.reload();
      await page.waitForSelector(sel("connection", '[data-state="connected"]'));
      await page.locator(`${sel("tool-card")}[data-tool="Bash"][data-status="success"]`).waitFor();
      await page.locator(sel("assistant-text")).nth(1).waitFor();
      assert.deepEqual(await conversation(page), conversationBeforeReload);
      await page.locator(`${sel("file-row")}[data-path="hello.txt"]`).waitFor();
      await page.locator(".session-title", { hasText: "Web UI end to end" }).waitFor();
      await shot("07-after-reload");
      assert.deepEqual(pageErrors, []);
    }),
  );

  it(
    "fits a narrow screen",
    step("narrow", async (t) => {
      if (!sessionId) return t.skip("no session");
      await page.setViewportSize({ width: 390, height: 844 });
      await page.locator(sel("assistant-text")).nth(1).waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
      // The session list slides away (a short transition) behind the menu button.
      await page.waitForFunction(() => document.querySelector(".sidebar").getBoundingClientRect().right <= 0);
      await page.locator(".menu-button").waitFor();
      await shot("08-narrow-chat");

      await page.click(sel("files-tab"));
      await page.locator(`${sel("file-row")}[data-path="hello.txt"]`).waitFor();
      await shot("09-narrow-files");

      await page.click(".menu-button");
      await page.locator(`${sel("session-item")}[data-session-id="${sessionId}"]`).waitFor();
      await page.waitForFunction(() => document.querySelector(".sidebar").getBoundingClientRect().left >= 0);
      await shot("10-narrow-sessions");
      await page.click(".scrim", { position: { x: 370, y: 400 } });
      await page.setViewportSize({ width: 1280, height: 800 });
    }),
  );

  it(
    "signs out, back to the sign-in screen, which fits a narrow screen",
    step("sign-out", async (t) => {
      if (!appLoaded) return t.skip("the app did not load");
      await page.click(sel("sign-out"));
      await page.locator(sel("sign-in")).waitFor();
      assert.equal(await storedKey(page), null);
      await page.reload();
      await page.locator(sel("sign-in")).waitFor();
      assert.equal(await page.locator(sel("connection")).count(), 0);

      await page.setViewportSize({ width: 390, height: 844 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the sign-in screen scrolls sideways by ${overflow}px`);
      await shot("11-narrow-sign-in");
      await page.setViewportSize({ width: 1280, height: 800 });
    }),
  );

  it(
    "a #key= link signs in directly, and the key leaves the address bar",
    step("link", async (t) => {
      if (!sessionId) return t.skip("no session");
      await page.goto(`${server.baseUrl}/sessions/${encodeURIComponent(sessionId)}#key=${encodeURIComponent(server.adminKey)}`);
      await page.waitForSelector(sel("connection", '[data-state="connected"]'));
      await page.locator(`${sel("tool-card")}[data-tool="Bash"][data-status="success"]`).waitFor();
      const url = new URL(page.url());
      assert.equal(url.hash, "");
      assert.equal(url.pathname, `/sessions/${encodeURIComponent(sessionId)}`);
      assert.equal(await storedKey(page), server.adminKey);
      assert.ok(!(await page.evaluate(() => window.location.href)).includes(server.adminKey));
    }),
  );

  it(
    "another tenant's key sees none of these sessions, and a deleted key returns to the sign-in screen",
    step("tenant", async (t) => {
      if (!appLoaded) return t.skip("the app did not load");
      const created = await fetch(`${server.baseUrl}/api/keys`, {
        method: "POST",
        headers: { authorization: `Bearer ${server.adminKey}`, "content-type": "application/json" },
        body: JSON.stringify({ tenantId: "e2e-other", scopes: ["sessions"], name: "web e2e" }),
      });
      assert.equal(created.status, 201);
      const other = await created.json();

      await page.goto(`${server.baseUrl}/#key=${encodeURIComponent(other.key)}`);
      await page.waitForSelector(sel("connection", '[data-state="connected"]'));
      assert.equal(await page.locator(sel("tenant")).innerText(), "Tenant e2e-other");
      await page.getByText("No sessions yet.").waitFor();
      assert.equal(await page.locator(sel("session-item")).count(), 0);
      // Its own session shows up live, unmarked: it is its own tenant's.
      const response = await fetch(`${server.baseUrl}/api/sessions`, {
        method: "POST",
        headers: { authorization: `Bearer ${other.key}`, "content-type": "application/json" },
        body: JSON.stringify({ agentProfileRef: "default", architecture: "claude-agent-sdk", name: "Other tenant's" }),
      });
      assert.equal(response.status, 201);
      const otherSession = await response.json();
      assert.equal(otherSession.tenantId, "e2e-other");
      const otherItem = page.locator(`${sel("session-item")}[data-session-id="${otherSession.sessionId}"]`);
      await otherItem.waitFor();
      assert.equal(await page.locator(sel("session-item")).count(), 1);
      assert.equal(await otherItem.locator(sel("session-tenant")).count(), 0);
      await shot("12-other-tenant");

      const deleted = await fetch(`${server.baseUrl}/api/keys/${encodeURIComponent(other.keyId)}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${server.adminKey}` },
      });
      assert.equal(deleted.status, 204);
      // The server closes the key's hub connection; coming back, the hub refuses it, and the app asks for a key.
      await page.locator(sel("sign-in-error")).getByText("no longer accepts").waitFor();
      assert.equal(await storedKey(page), null);

      // Back as the admin, whose list holds every tenant's sessions: the other tenant's is marked with its tenant.
      await page.goto(`${server.baseUrl}/#key=${encodeURIComponent(server.adminKey)}`);
      await page.waitForSelector(sel("connection", '[data-state="connected"]'));
      await page.locator(`${sel("session-item")}[data-session-id="${sessionId}"]`).waitFor();
      assert.equal(await page.locator(`${sel("session-item")}[data-session-id="${sessionId}"] ${sel("session-tenant")}`).count(), 0);
      assert.equal(await otherItem.locator(sel("session-tenant")).innerText(), "tenant e2e-other");
    }),
  );

  it(
    "the hooks package works from a page of an origin the server lists, and not from one it does not",
    step("other-origin", async (t) => {
      if (!appLoaded) return t.skip("the app did not load");
      const other = await browser.context.newPage();
      try {
        const run = async (origin) => {
          await other.goto(`${origin}/`);
          await other.waitForFunction(() => window.ready === true);
          return other.evaluate(([apiUrl, key]) => window.useRuntime(apiUrl, key), [server.baseUrl, server.adminKey]);
        };
        const listed = await run(`http://localhost:${otherOrigin.port}`);
        assert.deepEqual({ ...listed, listed: typeof listed.listed }, { ok: true, tenantId: "default", listed: "number", created: "from another origin" });
        // The server answers 403 without CORS headers, so the browser does not even let the page read it.
        const unlisted = await run(`http://127.0.0.1:${otherOrigin.port}`);
        assert.equal(unlisted.ok, false, JSON.stringify(unlisted));
      } finally {
        await other.close();
      }
    }),
  );

  it(
    "shows that it is reconnecting when the server goes away",
    step("reconnect", async (t) => {
      if (!appLoaded) return t.skip("the app did not load");
      await page.locator(sel("connection", '[data-state="connected"]')).waitFor();
      // A short grace: with a browser subscribed, the server's graceful stop waits out its whole shutdown timeout
      // (30 s), because open hub streams do not end when it begins to stop.
      await server.stop(3_000);
      await page.locator(sel("connection", '[data-state="reconnecting"]')).waitFor();
      await shot("13-reconnecting");
    }),
  );
});

/** The key the app keeps in localStorage, or null. */
function storedKey(page) {
  return page.evaluate(() => window.localStorage.getItem("agent-runtime.apiKey"));
}

/** Clicks a download link and returns the file the browser saved: its suggested name and its bytes. */
async function download(page, link) {
  const [saved] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const path = await saved.path();
  return { name: saved.suggestedFilename(), bytes: readFileSync(path) };
}

/** What the conversation shows, block by block: kind, status, and text (tool cards by their one-line summary). */
async function conversation(page) {
  return page.locator(".conversation > .blocks > *").evaluateAll((elements) =>
    elements.map((element) => {
      const testId = element.getAttribute("data-testid");
      const status = element.getAttribute("data-status") ?? undefined;
      if (testId === "tool-card" || testId === "subagent-card") {
        return { testId, status, text: element.querySelector(".card-header")?.textContent ?? "" };
      }
      if (testId === "thinking") return { testId, text: element.querySelector(".thinking-preview")?.textContent ?? "" };
      return { testId, status, text: element.textContent };
    }),
  );
}
