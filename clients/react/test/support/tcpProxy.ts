import { connect, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

/** A loopback TCP proxy whose live connections a test can cut, like a network drop, while it keeps accepting new ones. */
export class TcpProxy {
  private readonly open = new Set<Socket>();
  private readonly server: Server;
  accepted = 0;
  port = 0;

  private constructor(targetPort: number) {
    this.server = createServer((client) => {
      this.accepted++;
      const upstream = connect(targetPort, "127.0.0.1");
      for (const socket of [client, upstream]) {
        this.open.add(socket);
        socket.on("close", () => this.open.delete(socket));
        socket.on("error", () => {});
      }
      client.pipe(upstream).pipe(client);
    });
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    proxy.port = (proxy.server.address() as AddressInfo).port;
    return proxy;
  }

  /** Resets every open connection; returns how many sockets it cut. */
  cutAll(): number {
    const sockets = [...this.open];
    for (const socket of sockets) socket.resetAndDestroy();
    return sockets.length;
  }

  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
