import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
// AGENT_RUNTIME_HOST_DLL runs another build of the server (a branch's, say) against these hooks, as the web UI's test does.
const hostDll = process.env.AGENT_RUNTIME_HOST_DLL ?? join(repoRoot, "src/AgentRuntime.Host/bin/Release/net10.0/AgentRuntime.Host.dll");

/**
 * The real server, built in Release (`dotnet build -c Release`), run as its own process on a free loopback port with a
 * fresh data directory and the given model server; `stop` ends it (and so its sandboxes) and removes the directory.
 * It runs with its default auth (API keys): `adminKey` is the key it wrote on first start.
 */
export class RuntimeServer {
  private constructor(
    private readonly process: ChildProcess,
    private readonly dataDirectory: string,
    readonly baseUrl: string,
    readonly adminKey: string,
    private readonly output: string[],
  ) {}

  /** `env` adds settings (`AgentRuntime__…`) on top of the test's own. */
  static async start(modelBaseUrl: string, { timeoutMs = 60_000, env = {} }: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<RuntimeServer> {
    if (!existsSync(hostDll)) throw new Error(`${hostDll} is missing: build the solution in Release first (dotnet build AgentRuntime.slnx -c Release).`);
    const dataDirectory = mkdtempSync(join(tmpdir(), "agent-runtime-react-"));
    // mkdtemp makes it 0700; each sandbox runs as its own unprivileged user, which must be able to reach its workspace.
    chmodSync(dataDirectory, 0o755);
    const child = spawn("dotnet", [hostDll, "--urls", "http://127.0.0.1:0"], {
      cwd: dirname(hostDll),
      env: {
        ...process.env,
        AgentRuntime__DataDirectory: dataDirectory,
        AgentRuntime__Claude__BaseUrl: modelBaseUrl,
        AgentRuntime__Claude__ApiKey: "test",
        Logging__LogLevel__Default: "Warning",
        "Logging__LogLevel__Microsoft.Hosting.Lifetime": "Information",
        ASPNETCORE_ENVIRONMENT: "Production",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output: string[] = [];
    const address = new Promise<string>((resolveAddress, reject) => {
      const timer = setTimeout(() => reject(new Error(`The server did not start in ${timeoutMs} ms:\n${output.join("")}`)), timeoutMs);
      const onData = (data: Buffer) => {
        output.push(data.toString());
        const match = /Now listening on: (http:\/\/127\.0\.0\.1:\d+)/.exec(output.join(""));
        if (match?.[1]) {
          clearTimeout(timer);
          resolveAddress(match[1]);
        }
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`The server exited with ${code} before it listened:\n${output.join("")}`));
      });
    });
    try {
      const baseUrl = await address;
      return new RuntimeServer(child, dataDirectory, baseUrl, await readAdminKey(dataDirectory, output, timeoutMs), output);
    } catch (error) {
      child.kill("SIGKILL");
      rmSync(dataDirectory, { recursive: true, force: true });
      throw error;
    }
  }

  /** Where the server wrote its admin key. */
  get adminKeyFile(): string {
    return join(this.dataDirectory, "admin.key");
  }

  /** What the server printed, for failure messages. */
  get log(): string {
    return this.output.join("");
  }

  /** Stops the server gracefully (it stops its sandboxes), killing it if it takes longer than `timeoutMs`. */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      const exited = new Promise<void>((resolveExit) => this.process.once("exit", () => resolveExit()));
      this.process.kill("SIGTERM");
      const timer = setTimeout(() => this.process.kill("SIGKILL"), timeoutMs);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dataDirectory, { recursive: true, force: true });
  }
}

/** The admin key the server writes to `<DataDirectory>/admin.key` (one line) on its first start, waited for briefly. */
async function readAdminKey(dataDirectory: string, output: string[], timeoutMs: number): Promise<string> {
  const file = join(dataDirectory, "admin.key");
  const deadline = Date.now() + Math.min(timeoutMs, 10_000);
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`The server wrote no ${file}:\n${output.join("")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return readFileSync(file, "utf8").trim();
}
