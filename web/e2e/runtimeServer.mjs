// The real server, built in Release, as its own process on a free loopback port with a fresh data directory, the
// scripted model, and the built UI as its web root. It runs with its default auth (API keys): `adminKey` is the key it
// writes to <DataDirectory>/admin.key on its first start.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const webRoot = join(repoRoot, "web/dist");
// AGENT_RUNTIME_HOST_DLL runs another build of the server (a branch's, say) against this UI.
const hostDll = process.env.AGENT_RUNTIME_HOST_DLL ?? join(repoRoot, "src/AgentRuntime.Host/bin/Release/net10.0/AgentRuntime.Host.dll");

export class RuntimeServer {
  #child;
  #dataDirectory;
  #output = [];
  #killOnExit = () => {};
  baseUrl = "";
  adminKey = "";

  /** `env` adds settings (`AgentRuntime__…`) on top of the test's own. */
  static async start(modelBaseUrl, { timeoutMs = 60_000, env = {} } = {}) {
    if (!existsSync(hostDll)) throw new Error(`${hostDll} is missing: build the server in Release first (dotnet build src/AgentRuntime.Host -c Release).`);
    if (!existsSync(join(webRoot, "index.html"))) throw new Error(`${webRoot}/index.html is missing: build the UI first (bash scripts/build-web.sh).`);
    const server = new RuntimeServer();
    const port = await freePort();
    server.baseUrl = `http://127.0.0.1:${port}`;
    server.#dataDirectory = mkdtempSync(join(tmpdir(), "agent-runtime-web-"));
    // Each sandbox runs as a user of its own, which must be able to reach its workspace under the data directory.
    chmodSync(server.#dataDirectory, 0o755);
    server.#child = spawn("dotnet", [hostDll, "--urls", server.baseUrl], {
      cwd: dirname(hostDll),
      env: {
        ...process.env,
        AgentRuntime__DataDirectory: server.#dataDirectory,
        AgentRuntime__Claude__BaseUrl: modelBaseUrl,
        AgentRuntime__Claude__ApiKey: "test-key",
        AgentRuntime__WebRoot: webRoot,
        ASPNETCORE_ENVIRONMENT: "Production",
        Logging__LogLevel__Default: "Warning",
        "Logging__LogLevel__Microsoft.Hosting.Lifetime": "Information",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Should the test process be ended early, the server must not outlive it (its sandboxes die with it).
    server.#killOnExit = () => server.running && server.#child.kill("SIGKILL");
    process.on("exit", server.#killOnExit);
    server.#child.stdout.on("data", (data) => server.#output.push(data.toString()));
    server.#child.stderr.on("data", (data) => server.#output.push(data.toString()));

    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (server.#child.exitCode !== null) break;
      try {
        const response = await fetch(`${server.baseUrl}/api/health`, { signal: AbortSignal.timeout(2000) });
        const keyFile = join(server.#dataDirectory, "admin.key");
        if (response.ok && existsSync(keyFile)) {
          server.adminKey = readFileSync(keyFile, "utf8").trim();
          return server;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    await server.stop();
    throw new Error(`The server did not answer /api/health and write admin.key within ${timeoutMs} ms:\n${server.log}`);
  }

  /** What the server printed, for failure messages. */
  get log() {
    return this.#output.join("");
  }

  get running() {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Stops the server gracefully (it stops its sandboxes), killing it if that takes longer than `timeoutMs`. */
  async stop(timeoutMs = 15_000) {
    if (this.running) {
      const exited = new Promise((r) => this.#child.once("exit", r));
      this.#child.kill("SIGTERM");
      const timer = setTimeout(() => this.#child.kill("SIGKILL"), timeoutMs);
      await exited;
      clearTimeout(timer);
    }
    process.off("exit", this.#killOnExit);
    if (this.#dataDirectory) rmSync(this.#dataDirectory, { recursive: true, force: true });
  }
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}
