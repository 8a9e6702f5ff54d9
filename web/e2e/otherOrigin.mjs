// A page of another origin for the cross-origin test: it loads the hooks package's REST client and SignalR transport
// as they are built (clients/react/dist, with @microsoft/signalr's ES modules through an import map), not a bundle of
// the app, so what runs in the browser is the package itself.
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { repoRoot } from "./runtimeServer.mjs";

const roots = {
  "/hooks/": join(repoRoot, "clients/react/dist"),
  "/signalr/": join(repoRoot, "web/node_modules/@microsoft/signalr/dist/esm"),
};

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <title>Another origin</title>
    <script type="importmap">{ "imports": { "@microsoft/signalr": "/signalr/index.js" } }</script>
    <script type="module">
      import { RestClient } from "/hooks/client/RestClient.js";
      import { SignalRTransport } from "/hooks/client/SignalRTransport.js";
      import { LogLevel } from "@microsoft/signalr";
      // Signs in, lists sessions, and waits for the hub to report a session created over REST.
      window.useRuntime = async (apiUrl, apiKey) => {
        const rest = new RestClient({ apiUrl, apiKey });
        const transport = new SignalRTransport({ hubUrl: apiUrl + "/hubs/sessions", apiKey, logLevel: LogLevel.None });
        try {
          const me = await rest.me();
          const listed = (await rest.listSessions()).length;
          const created = await new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error("no list change within 15 s")), 15000);
            // The change can come before the answer that names the session: keep both until they meet.
            const changes = new Map();
            let sessionId;
            const settle = () => {
              if (!sessionId || !changes.has(sessionId)) return;
              clearTimeout(timer);
              handle.dispose();
              resolve(changes.get(sessionId));
            };
            const handle = transport.subscribeSessionList({
              opened: () => rest.createSession({ agentProfileRef: "default", architecture: "claude-agent-sdk", name: "from another origin" })
                .then((s) => { sessionId = s.sessionId; settle(); }, reject),
              next: (change) => {
                if (change.kind === "created") changes.set(change.sessionId, change);
                settle();
              },
              error: (e) => reject(e),
              complete: () => reject(new Error("the list stream ended")),
            });
          });
          await rest.deleteSession(created.sessionId);
          return { ok: true, tenantId: me.tenantId, listed, created: created.session.name };
        } catch (error) {
          return { ok: false, error: String(error && error.message || error), status: error && error.status };
        } finally {
          await transport.stop();
        }
      };
      window.ready = true;
    </script>
  </head>
  <body></body>
</html>`;

const types = { ".js": "text/javascript", ".map": "application/json" };

export class OtherOrigin {
  port = 0;
  #server;

  static async start() {
    const origin = new OtherOrigin();
    origin.#server = createServer((request, response) => {
      const path = new URL(request.url ?? "/", "http://x").pathname;
      if (path === "/") {
        response.writeHead(200, { "content-type": "text/html" }).end(PAGE);
        return;
      }
      const prefix = Object.keys(roots).find((p) => path.startsWith(p));
      const file = prefix && resolveFile(roots[prefix], path.slice(prefix.length));
      if (!file) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
    });
    await new Promise((resolve) => origin.#server.listen(0, "127.0.0.1", resolve));
    origin.port = origin.#server.address().port;
    return origin;
  }

  async stop() {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** A file under `root`; SignalR's ES modules import each other without the `.js` a browser needs, so try that too. */
function resolveFile(root, relative) {
  const path = normalize(join(root, relative));
  if (!path.startsWith(root)) return undefined;
  for (const candidate of [path, `${path}.js`]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}
