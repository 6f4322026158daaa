// A purpose-built HTTP server on 127.0.0.1 port 0 for the client tests. Routes are
// `METHOD /path` keys; a handler answers every matching call, a list of handlers answers one
// call each in order. Any other request is recorded as unexpected, answered 599, and makes
// `close()` throw, so a stray request fails the test.

import { createServer } from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Recorded {
  method: string;
  /** Path with query. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Handler = (request: Recorded, response: ServerResponse) => void | Promise<void>;

export interface FakeServer {
  url: string;
  requests: Recorded[];
  /** Requests to `key` (`METHOD /path`) so far. */
  calls(key: string): Recorded[];
  close(): Promise<void>;
}

export const kernelsRpc = (method: string): string =>
  `POST /v1/kernels.KernelsApiService/${method}`;

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(text);
}

/** A handler that always answers `body` with `status`. */
export const json =
  (body: unknown, status = 200, headers: Record<string, string> = {}): Handler =>
  (_request, response) =>
    sendJson(response, status, body, headers);

/** A handler that kills the connection without any answer (ECONNRESET / socket hang up). */
export const dropConnection: Handler = (_request, response) => {
  response.socket?.destroy();
};

export async function startServer(
  routes: Record<string, Handler | Handler[]>,
): Promise<FakeServer> {
  const requests: Recorded[] = [];
  const unexpected: Recorded[] = [];
  const used = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: Recorded = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const key = `${recorded.method} ${recorded.path.split('?')[0] ?? ''}`;
      const route = routes[key];
      let handler: Handler | undefined;
      if (Array.isArray(route)) {
        const n = used.get(key) ?? 0;
        used.set(key, n + 1);
        handler = route[n];
      } else {
        handler = route;
      }
      if (handler === undefined) {
        unexpected.push(recorded);
        res.writeHead(599).end('unexpected request');
        return;
      }
      Promise.resolve(handler(recorded, res)).catch((error: unknown) => {
        unexpected.push({ ...recorded, body: `handler failed: ${String(error)}` });
        res.destroy();
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    calls: (key) => requests.filter((r) => `${r.method} ${r.path.split('?')[0] ?? ''}` === key),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (unexpected.length > 0) {
        throw new Error(
          `unexpected requests: ${unexpected.map((r) => `${r.method} ${r.path} ${r.body}`).join('; ')}`,
        );
      }
    },
  };
}

/** A sleep that takes no time and records what it was asked for. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: (ms: number) => {
      delays.push(ms);
      return Promise.resolve();
    },
  };
}
