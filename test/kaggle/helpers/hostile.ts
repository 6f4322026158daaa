// Handlers for the fake server that behave like a hostile or broken file host: bodies that
// never end, encodings nobody asked for, connections that stall. Each stops when the client
// goes away, so a test that passes leaves nothing running.

import { gzipSync } from 'node:zlib';
import type { ServerResponse } from 'node:http';
import type { Handler } from './fake-server.js';

/** Writes `chunk` until the client closes the connection (or `limit` bytes went out). */
function pump(response: ServerResponse, chunk: Buffer, limit = Infinity): void {
  let sent = 0;
  const more = () => {
    while (!response.destroyed && sent < limit) {
      sent += chunk.length;
      if (!response.write(chunk)) {
        response.once('drain', more);
        return;
      }
    }
    if (!response.destroyed) response.end();
  };
  response.on('close', () => response.removeAllListeners('drain'));
  more();
}

/** A chunked body that never ends, whatever size the file should have. */
export const endlessBody: Handler = (_request, response) => {
  response.writeHead(200, { 'Content-Type': 'application/octet-stream' });
  pump(response, Buffer.alloc(64 * 1024, 0x61));
};

/** `bytes` of zeros, gzipped (a few KB on the wire), sent as Content-Encoding: gzip. */
export function gzipBomb(bytes: number): Handler {
  const body = gzipSync(Buffer.alloc(bytes), { level: 9 });
  return (_request, response) => {
    response.writeHead(200, {
      'Content-Encoding': 'gzip',
      'Content-Length': String(body.length),
    });
    response.end(body);
  };
}

/** Headers and `first` bytes, then nothing: the connection stays open and silent. */
export function stalledBody(first: number, declared: number): Handler {
  return (_request, response) => {
    response.writeHead(200, { 'Content-Length': String(declared) });
    response.write(Buffer.alloc(first, 0x62));
  };
}
