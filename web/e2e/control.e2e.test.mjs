// Controlling a running agent from the web UI, end to end: the real server (Release build) serving web/dist, the real
// Claude Code CLI in its sandbox, the scripted model asking for Bash calls (scriptedModel.mjs, SCENARIOS), and headless
// Chromium. Stopping a turn (button and Esc), approving and denying a tool call in `ask` mode, an approval that survives
// a reload and shows in a second page, hostile approval input shown as text, and a message with an image.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { launchBrowser } from "./browser.mjs";
import { repoRoot, RuntimeServer } from "./runtimeServer.mjs";
import { RESULT_PREFIX, SCENARIOS, ScriptedModel } from "./scriptedModel.mjs";

const artifacts = join(repoRoot, "artifacts/web");

for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => process.exit(1));
const UI_WAIT = 15_000; // anything the page does by itself
const TURN_WAIT = 60_000;
/** A 1×1 PNG. */
const PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="; // a turn up to its tool call: the sandbox's start (first turn only), the CLI, a model call

describe("controlling a running agent from the web UI", () => {
  /** @type {ScriptedModel} */ let model;
  /** @type {RuntimeServer} */ let server;
  /** @type {Awaited<ReturnType<typeof launchBrowser>>} */ let browser;
  /** @type {import("playwright-core").Page} */ let page;
  let sessionId = "";
  const pageErrors = [];

  const sel = (testId, extra = "") => `[data-testid="${testId}"]${extra}`;
  const shot = (name, target = page) => target.screenshot({ path: join(artifacts, `control-${name}.png`) });
  const api = async (method, path, body) => {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${server.adminKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(UI_WAIT),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const turnState = (state, target = page) => target.locator(`.session-header ${sel("turn-state")}[data-state="${state}"]`).waitFor({ timeout: TURN_WAIT });
  /** Waits until the newest Bash card has the status. */
  const lastBash = (status, timeout = TURN_WAIT) =>
    page.waitForFunction(
      (wanted) => [...document.querySelectorAll('[data-testid="tool-card"][data-tool="Bash"]')].at(-1)?.getAttribute("data-status") === wanted,
      status,
      { timeout },
    );
  const send = async (text) => {
    await page.fill(sel("composer-input"), text);
    await page.click(sel("send"));
    await page.locator(sel("user-message")).getByText(text).waitFor();
  };

  const step = (name, body) => async (t) => {
    try {
      await body(t);
    } catch (error) {
      await page?.screenshot({ path: join(artifacts, `control-failed-${name}.png`) }).catch(() => {});
      const log = server?.log.split("\n").slice(-40).join("\n") ?? "";
      error.message += `\n--- page errors ---\n${pageErrors.join("\n")}\n--- server output (last lines) ---\n${log}`;
      throw error;
    }
  };

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    model = await ScriptedModel.start();
    server = await RuntimeServer.start(model.baseUrl);
    browser = await launchBrowser({ width: 1280, height: 800 });
    page = browser.page;
    page.setDefaultTimeout(UI_WAIT);
    page.on("pageerror", (error) => pageErrors.push(error.message));

    const created = await api("POST", "/api/sessions", { agentProfileRef: "default", architecture: "claude-agent-sdk", name: "Control" });
    assert.equal(created.status, 201);
    sessionId = created.body.sessionId;
    await page.goto(`${server.baseUrl}/sessions/${encodeURIComponent(sessionId)}#key=${encodeURIComponent(server.adminKey)}`);
    await page.waitForSelector(sel("connection", '[data-state="connected"]'));
    await page.locator(sel("session-view")).waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await model?.stop();
  });

  it(
    "stops a running turn with the Stop button, and with Esc",
    step("stop", async () => {
      for (const how of ["button", "escape"]) {
        await send(`SCENARIO-SLEEP (${how})`);
        await lastBash("running");
        assert.equal(await page.locator(sel("send")).count(), 0, "Send shows while the turn runs");
        const stop = page.locator(sel("stop"));
        assert.equal(await stop.getAttribute("aria-label"), "Stop the agent (Esc)");
        if (how === "button") {
          await shot("01-running");
          await stop.click();
        } else {
          await page.focus(sel("composer-input"));
          await page.keyboard.press("Escape");
        }
        const started = Date.now();
        await turnState("idle");
        // The tool sleeps 25 s: an idle turn well before that was stopped, not finished.
        assert.ok(Date.now() - started < 15_000, `the turn took ${Date.now() - started} ms to stop`);
        await page.locator(sel("turn-stopped")).waitFor();
        await page.locator(sel("send")).waitFor();
      }
      const events = (await api("GET", `/api/sessions/${sessionId}/events?after=0`)).body;
      const ends = events.filter((e) => e.type === "session:turn:completed").map((e) => e.stopReason);
      assert.deepEqual(ends, ["interrupted", "interrupted"]);
      await shot("02-stopped");
      assert.deepEqual(pageErrors, []);
    }),
  );

  it(
    "asks before a tool in ask mode, and allowing it runs the tool (on the model the session set)",
    step("allow", async () => {
      await page.fill(sel("model-input"), "claude-e2e-model");
      await page.press(sel("model-input"), "Enter");
      await page.waitForFunction(() => document.querySelector('[data-testid="model-input"]')?.disabled === false);
      assert.equal((await api("GET", `/api/sessions/${sessionId}`)).body.options.model, "claude-e2e-model");
      await page.selectOption(sel("permission-mode"), "ask");
      // The select shows the session's options as its events say: "ask" once the server has logged the change.
      await page.waitForFunction(() => document.querySelector('[data-testid="permission-mode"]')?.value === "ask" && !document.querySelector('[data-testid="permission-mode"]').disabled);
      assert.equal((await api("GET", `/api/sessions/${sessionId}`)).body.options.permissionMode, "ask");

      await send("SCENARIO-APPROVE: write approved.txt");
      const card = page.locator(sel("approval-card"));
      await card.waitFor({ timeout: TURN_WAIT });
      await lastBash("awaiting_approval", UI_WAIT);
      await turnState("awaiting_approval");
      assert.equal(await card.locator(sel("approval-tool")).innerText(), "Bash");
      assert.deepEqual(JSON.parse(await card.locator(sel("approval-input")).inputValue()).command, SCENARIOS["SCENARIO-APPROVE"].command);
      await shot("03-approval");

      await card.locator(sel("approval-allow")).click();
      await card.waitFor({ state: "detached" });
      await lastBash("success");
      await page.locator(sel("assistant-text")).getByText(RESULT_PREFIX).last().waitFor({ timeout: TURN_WAIT });
      await turnState("idle");
      await page.locator(`${sel("file-row")}[data-path="approved.txt"]`).waitFor();
      assert.equal(model.requests.filter((r) => r.tools).at(-1)?.model, "claude-e2e-model");
      assert.deepEqual(pageErrors, []);
    }),
  );

  it(
    "denying a tool call with a message tells the agent, and the tool does not run",
    step("deny", async () => {
      await send("SCENARIO-DENY: write denied.txt");
      const card = page.locator(sel("approval-card"));
      await card.waitFor({ timeout: TURN_WAIT });
      await card.locator(sel("approval-message")).fill("Not in this workspace, please");
      await card.locator(sel("approval-deny")).click();
      await card.waitFor({ state: "detached" });
      await page.locator(sel("assistant-text")).getByText("Not in this workspace, please").waitFor({ timeout: TURN_WAIT });
      await turnState("idle");
      const files = (await api("GET", `/api/sessions/${sessionId}/files`)).body.map((f) => f.path);
      assert.ok(!files.includes("denied.txt"), `denied.txt was written: ${files.join(", ")}`);
      const resolved = (await api("GET", `/api/sessions/${sessionId}/events?after=0`)).body.filter((e) => e.type === "session:approval:resolved");
      assert.deepEqual(
        resolved.map((e) => [e.decision, e.message ?? null]),
        [
          ["allow", null],
          ["deny", "Not in this workspace, please"],
        ],
      );
      await shot("04-denied");
    }),
  );

  it(
    "shows hostile approval input as text, never as markup",
    step("hostile", async () => {
      await page.evaluate(() => delete window.__pwned);
      await send("SCENARIO-HOSTILE: run it");
      const card = page.locator(sel("approval-card"));
      await card.waitFor({ timeout: TURN_WAIT });
      const input = await card.locator(sel("approval-input")).inputValue();
      assert.ok(input.includes("<script>window.__pwned = 1</script>"), "the markup is not in the input as text");
      assert.ok(input.length > 60_000, `the input was cut to ${input.length} characters`);

      // A tool name the CLI would never send (the server passes whatever the agent says): injected into the session's
      // detail on its way to the page, with an input too big to edit.
      const hostileName = `<img src=x onerror="window.__pwned = 4"><script>window.__pwned = 5</script>`;
      const big = { list: Array.from({ length: 4000 }, (_, i) => ({ i, html: "<b>x</b>".repeat(10) })) };
      await page.route(`**/api/sessions/${sessionId}`, async (route) => {
        if (route.request().method() !== "GET") return route.continue();
        const response = await route.fetch();
        const detail = await response.json();
        detail.pendingApprovals.push({
          ...detail.pendingApprovals[0],
          approvalId: "injected",
          blockId: "no-such-block",
          toolUseId: "no-such-call",
          toolName: hostileName,
          input: big,
        });
        await route.fulfill({ response, json: detail });
      });
      await page.reload();
      await page.locator(`${sel("approval-card")}[data-approval-id="injected"]`).waitFor();
      await page.locator(sel("loose-approvals")).waitFor();
      const injected = page.locator(`${sel("approval-card")}[data-approval-id="injected"]`);
      assert.equal(await injected.locator(sel("approval-tool")).innerText(), hostileName);
      assert.ok((await injected.locator(sel("approval-input")).innerText()).includes('"html": "<b>x</b>'));
      const conversation = page.locator(sel("conversation"));
      assert.equal(await conversation.locator("script, iframe, img[src='x'], b").count(), 0);
      await shot("05-hostile");
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
      await page.unroute(`**/api/sessions/${sessionId}`);

      await page.reload();
      const real = page.locator(sel("approval-card"));
      await real.waitFor();
      assert.equal(await real.count(), 1);
      await real.locator(sel("approval-deny")).click();
      await turnState("idle");
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
      assert.deepEqual(pageErrors, []);
    }),
  );

  it(
    "a pending approval shows after a reload and in a second page; answered there with changes, it leaves the first",
    step("two-pages", async () => {
      await send("SCENARIO-APPROVE: once more");
      await page.locator(sel("approval-card")).waitFor({ timeout: TURN_WAIT });
      await page.reload();
      const card = page.locator(sel("approval-card"));
      await card.waitFor();
      await turnState("awaiting_approval");

      const second = await browser.context.newPage();
      try {
        second.setDefaultTimeout(UI_WAIT);
        second.on("pageerror", (error) => pageErrors.push(`second page: ${error.message}`));
        await second.goto(`${server.baseUrl}/sessions/${encodeURIComponent(sessionId)}`);
        const there = second.locator(sel("approval-card"));
        await there.waitFor();
        assert.equal(await there.getAttribute("data-approval-id"), await card.getAttribute("data-approval-id"));

        // Invalid JSON holds the allow buttons back and says why.
        const input = there.locator(sel("approval-input"));
        await input.fill("{ not json");
        await there.locator(sel("approval-invalid")).waitFor();
        assert.equal(await there.locator(sel("approval-allow")).isDisabled(), true);
        await input.fill(JSON.stringify({ ...SCENARIOS["SCENARIO-APPROVE"], command: "echo edited > approved.txt" }, null, 2));
        assert.equal(await there.locator(sel("approval-allow")).innerText(), "Allow with changes");
        await shot("06-second-page", second);
        await there.locator(sel("approval-allow-always")).click();

        await card.waitFor({ state: "detached" });
        await there.waitFor({ state: "detached" });
        await turnState("idle");
        await page.locator(sel("allowed-tools")).getByText("Bash").waitFor();
        await second.locator(sel("allowed-tools")).getByText("Bash").waitFor();
      } finally {
        await second.close();
      }
      const text = await fetch(`${server.baseUrl}/api/sessions/${sessionId}/files/approved.txt`, {
        headers: { authorization: `Bearer ${server.adminKey}` },
      }).then((r) => r.text());
      assert.equal(text, "edited\n");
      const resolved = (await api("GET", `/api/sessions/${sessionId}/events?after=0`)).body.filter((e) => e.type === "session:approval:resolved").at(-1);
      assert.equal(resolved.remember, true);
      assert.equal(resolved.updatedInput.command, "echo edited > approved.txt");
      assert.deepEqual(pageErrors, []);
    }),
  );

  it(
    "sends a message with images: attached, previewed, limited, removable, and shown in the conversation",
    step("images", async () => {
      const png = (n) => ({ name: `dot${n}.png`, mimeType: "image/png", buffer: Buffer.from(PNG_BASE64, "base64") });
      const input = page.locator(sel("attach-input"));
      await input.setInputFiles([png(1), png(2), { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hi") }]);
      await page.locator(sel("attachment-error")).getByText("not a PNG, JPEG, GIF or WebP").waitFor();
      assert.equal(await page.locator(sel("attachment")).count(), 2);
      await input.setInputFiles([{ name: "big.png", mimeType: "image/png", buffer: Buffer.alloc(5 * 1024 * 1024 + 1) }]);
      await page.locator(sel("attachment-error")).getByText("the limit is 5 MB").waitFor();
      await input.setInputFiles([png(3), png(4), png(5)]);
      await page.locator(sel("attachment-error")).getByText("At most 4 images").waitFor();
      assert.equal(await page.locator(sel("attachment")).count(), 4);
      await page.locator(sel("attachment-remove")).first().click();
      assert.equal(await page.locator(sel("attachment")).count(), 3);
      assert.equal(await page.locator(sel("attachment-remove")).first().getAttribute("aria-label"), "Remove image 1 (dot2.png)");
      await shot("07-attachments");

      const before = model.requests.length;
      await send("What is in these pictures?");
      await page.locator(sel("assistant-text")).getByText("I saw 3 image(s).").waitFor({ timeout: TURN_WAIT });
      assert.equal(await page.locator(sel("attachment")).count(), 0);
      const images = page.locator(sel("user-message")).last().locator(sel("message-image"));
      assert.equal(await images.count(), 3);
      assert.match((await images.first().getAttribute("src")) ?? "", /^data:image\/png;base64,iVBOR/);
      assert.ok(model.requests.slice(before).some((r) => r.tools && r.images === 3), "the model never saw the three images");
      await shot("08-images-sent");
      assert.deepEqual(pageErrors, []);
    }),
  );
});
