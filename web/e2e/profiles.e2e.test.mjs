// The profiles view end to end: the real server (Release build) serving web/dist and headless Chromium. A profile is
// created, refused with the server's field errors, saved as a new version, and offered by the new-session form.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { launchBrowser } from "./browser.mjs";
import { repoRoot, RuntimeServer } from "./runtimeServer.mjs";
import { ScriptedModel } from "./scriptedModel.mjs";

const artifacts = join(repoRoot, "artifacts/web");
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => process.exit(1));
const UI_WAIT = 15_000;

describe("profiles view on the real server", () => {
  /** @type {ScriptedModel} */ let model;
  /** @type {RuntimeServer} */ let server;
  /** @type {Awaited<ReturnType<typeof launchBrowser>>} */ let browser;
  /** @type {import("playwright-core").Page} */ let page;
  const pageErrors = [];
  const sel = (testId, extra = "") => `[data-testid="${testId}"]${extra}`;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    model = await ScriptedModel.start();
    server = await RuntimeServer.start(model.baseUrl);
    browser = await launchBrowser({ width: 1280, height: 800 });
    page = browser.page;
    page.setDefaultTimeout(UI_WAIT);
    page.on("pageerror", (error) => pageErrors.push(error.message));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await model?.stop();
  });

  it("lists, shows, creates and versions profiles, showing the server's validation errors", async () => {
    try {
      await page.goto(server.baseUrl);
      await page.fill(sel("api-key-input"), server.adminKey);
      await page.click(sel("sign-in-submit"));
      await page.click(sel("profiles-link"));
      await page.waitForURL(/\/profiles$/);

      // The shipped default profile, as formatted JSON.
      await page.click(sel("profile-item", '[data-profile-id="default"]'));
      await page.waitForURL(/\/profiles\/default$/);
      const json = JSON.parse(await page.locator(sel("profile-json")).innerText());
      assert.equal(json.id, "default");
      assert.equal(json.name, "General coding agent");

      // A new profile with a field the server does not know, then a bad skill name: each error names its field.
      await page.click(sel("new-profile-link"));
      await page.fill(sel("profile-editor-text"), JSON.stringify({ id: "web-made", name: "Web made", colour: "blue" }));
      await page.click(sel("profile-save"));
      await page.locator(sel("profile-error"), { hasText: "colour:" }).waitFor();
      await page.fill(sel("profile-editor-text"), JSON.stringify({ id: "web-made", name: "Web made", skills: [{ name: "Not A Name!", description: "d", body: "b" }] }));
      await page.click(sel("profile-save"));
      await page.locator(sel("profile-error"), { hasText: "skills[0].name:" }).waitFor();
      await page.screenshot({ path: join(artifacts, "profiles-01-errors.png") });

      await page.fill(sel("profile-editor-text"), JSON.stringify({ id: "web-made", name: "Web made", systemPrompt: "One." }));
      await page.click(sel("profile-save"));
      await page.waitForURL(/\/profiles\/web-made$/);
      await page.locator(sel("profile-json"), { hasText: '"One."' }).waitFor();

      // Edited: a second version, the first still readable.
      await page.click(sel("profile-edit"));
      await page.fill(sel("profile-editor-text"), JSON.stringify({ id: "web-made", name: "Web made", systemPrompt: "Two." }));
      await page.click(sel("profile-save"));
      await page.locator(sel("profile-json"), { hasText: '"Two."' }).waitFor();
      await page.waitForFunction((s) => document.querySelectorAll(`${s} option`).length === 2, sel("profile-version"));
      await page.selectOption(sel("profile-version"), "1");
      await page.locator(sel("profile-json"), { hasText: '"One."' }).waitFor();
      await page.screenshot({ path: join(artifacts, "profiles-02-versions.png") });

      // The new-session form offers it.
      await page.click(sel("new-session-link"));
      await page.locator(sel("profile-option"), { hasText: "Web made" }).waitFor();
      assert.deepEqual(pageErrors, []);
    } catch (error) {
      await page?.screenshot({ path: join(artifacts, "failed-profiles.png") }).catch(() => {});
      error.message += `\n--- page errors ---\n${pageErrors.join("\n")}\n--- server output (last lines) ---\n${server?.log.split("\n").slice(-40).join("\n") ?? ""}`;
      throw error;
    }
  });
});
