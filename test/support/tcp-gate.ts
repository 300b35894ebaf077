/**
 * A TCP pass-through in front of a fake server that can be shut: while shut, connecting is refused (ECONNREFUSED,
 * nothing listens on the port) and connections already open are reset. Reopened on the same port, so the client's
 * configured URL stays valid. The HTTP-level faults (5xx, 401, dropped or stalled requests) live in the fakes.
 */
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';

export interface TcpGate {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  isOpen(): boolean;
  /** Listens again on the same port. */
  open(): Promise<void>;
  /** Stops listening (new connections are refused) and resets every open connection. */
  shut(): Promise<void>;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

/** Starts a gate forwarding 127.0.0.1:<new port> to `targetUrl`'s host and port; `open: false` starts it shut. */
export async function startTcpGate(targetUrl: string, options: { open?: boolean } = {}): Promise<TcpGate> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port);
  const targetHost = target.hostname;
  const sockets = new Set<Socket>();
  let accepted = 0;
  let server: Server | undefined;

  const pipe = (client: Socket): void => {
    accepted++;
    const upstream = connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    const drop = (s: Socket) => () => {
      sockets.delete(s);
    };
    client.on('close', drop(client));
    upstream.on('close', drop(upstream));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const listen = (port: number): Promise<Server> =>
    new Promise((resolve, reject) => {
      const s = createServer(pipe);
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve(s));
    });

  const first = await listen(0);
  const port = (first.address() as AddressInfo).port;
  server = first;

  async function shut(): Promise<void> {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.resetAndDestroy();
    sockets.clear();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  if (options.open === false) await shut();

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    isOpen: () => server !== undefined,
    async open() {
      if (!server) server = await listen(port);
    },
    shut,
    accepted: () => accepted,
    close: shut,
  };
}
