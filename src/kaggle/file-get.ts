// The GET under file downloads: a small HTTP/1.1 client on pooled keep-alive sockets rather
// than fetch or node:http. A fetch body costs a web stream, a promise and a copy per chunk;
// node:http costs a request object, header checks, a stream and a fresh 64 KiB buffer per
// socket read. For 2,000 small outputs that was 0.65 ms of CPU per file against curl's
// 0.11, and for a 512 MiB output most of the CPU went on collecting the read buffers. Here each
// socket reads into one buffer of its own (`onread`), the body's bytes are handed to the
// caller's sink as views of it, and the head is parsed with a few string operations
// (http1-response.ts). Redirects are followed as fetch would (at most 20); the caller
// classifies errors, as for fetch.

import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { asError } from '../errors.js';
import {
  ChunkedDecoder,
  MAX_HEAD_BYTES,
  MalformedResponseError,
  parseHead,
  type BodyFraming,
} from './http1-response.js';

/** Sockets kept per host: enough for the parallel small-file downloads of a fetch. */
const SOCKETS_PER_HOST = 32;
const MAX_REDIRECTS = 20;
/**
 * Each socket's read buffer, reused for every read: 256 KiB, so a big body takes a quarter
 * of the reads it took with node:http's 64 KiB (32 sockets hold 8 MiB of them at most).
 */
const READ_BUFFER_BYTES = 256 * 1024;
/** A redirect's body up to this size is read and dropped, so its socket can be reused. */
const DRAINED_BODY_BYTES = 64 * 1024;

export type FileHeaders = Readonly<Record<string, string>>;

/**
 * Takes the body a piece at a time. A piece is valid only during the call (its memory is
 * the socket's read buffer), so a sink copies what it keeps. Returning a promise makes
 * reading wait for it; throwing ends the body with that error.
 */
export type BodySink = (piece: Buffer) => Promise<void> | undefined;

export interface FileBody {
  /** Feeds the whole body to `sink`, then resolves; at most once per body. */
  read(sink: BodySink): Promise<void>;
  /** Ends the body now: its connection is closed, and a read rejects with `error`. */
  destroy(error?: Error): void;
  /** Calls `onIdle` when the connection has been silent for `ms` while the body is read. */
  setTimeout(ms: number, onIdle: () => void): void;
}

export interface FileResponse {
  status: number;
  headers: FileHeaders;
  body: FileBody;
  /** The URL that answered, after redirects. */
  url: string;
}

export interface FileGetOptions {
  headers: Record<string, string>;
  signal: AbortSignal;
}

/**
 * The error a request ends with when `signal` aborts it, as node:http's own `signal` option
 * makes it (name AbortError, code ABORT_ERR, the reason as cause).
 */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  });
}

function connectionError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** One socket and the exchange it carries now, if any. */
class Connection {
  readonly socket: Socket;
  exchange: Exchange | undefined;
  /** The socket has carried a request before: it may have been closed by the server since. */
  reused = false;
  dead = false;
  /** Still counted in its pool's sockets (counting out happens once, whoever sees the end). */
  counted = true;

  constructor(url: URL, onGone: (connection: Connection) => void) {
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const https = url.protocol === 'https:';
    const port = Number(url.port || (https ? 443 : 80));
    const onread = {
      buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
      callback: (bytes: number, buffer: Uint8Array): boolean =>
        this.exchange?.received(buffer as Buffer, bytes) ?? this.unexpected(),
    };
    // TLS sockets take `onread` too (decrypted bytes land in the buffer); Node's types omit it.
    const tlsOptions: ConnectionOptions & { onread: typeof onread } = {
      host,
      port,
      onread,
      ALPNProtocols: ['http/1.1'],
      ...(isIP(host) === 0 ? { servername: host } : {}),
    };
    this.socket = https ? connectTls(tlsOptions) : connectTcp({ host, port, onread });
    this.socket.setNoDelay(true);
    // One listener for the socket's life; each exchange says what its silence means.
    this.socket.on('timeout', () => this.exchange?.idle());
    const gone = (error?: Error) => {
      if (this.dead && this.exchange === undefined) return;
      this.dead = true;
      onGone(this);
      this.exchange?.connectionEnded(error);
    };
    this.socket.on('error', gone);
    this.socket.on('end', () => {
      this.socket.destroy(); // the server is done; no half-open sockets in the pool
    });
    this.socket.on('close', () => gone());
  }

  /** Bytes with no request waiting: the server misbehaves, and the socket is dropped. */
  private unexpected(): boolean {
    this.socket.destroy(); // its 'close' takes it out of the pool
    return false;
  }
}

/** A host's sockets: idle ones to reuse, and requests waiting for one to free up. */
class HostPool {
  private readonly idle: Connection[] = [];
  private count = 0;
  private readonly waiting: ((connection: Connection) => void)[] = [];

  constructor(private readonly url: URL) {}

  /** A socket for a request: an idle one, a new one, or the next one freed (or the abort). */
  acquire(fresh: boolean, signal: AbortSignal): Promise<Connection> {
    if (!fresh) {
      const connection = this.idle.pop();
      if (connection !== undefined) {
        connection.socket.ref();
        return Promise.resolve(connection);
      }
    }
    if (this.count < SOCKETS_PER_HOST || fresh) {
      this.count++;
      return Promise.resolve(new Connection(this.url, (c) => this.gone(c)));
    }
    return new Promise((resolve, reject) => {
      const waiter = (connection: Connection) => {
        signal.removeEventListener('abort', onAbort);
        resolve(connection);
      };
      const onAbort = () => {
        const at = this.waiting.indexOf(waiter);
        if (at !== -1) this.waiting.splice(at, 1);
        reject(abortError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** The exchange is over; a healthy socket serves the next request. */
  release(connection: Connection, healthy: boolean): void {
    connection.exchange = undefined;
    if (!healthy || connection.dead) {
      connection.socket.destroy();
      this.forget(connection);
      return;
    }
    connection.reused = true;
    connection.socket.resume(); // read while idle, so a close by the server is seen
    const next = this.waiting.shift();
    if (next !== undefined) {
      next(connection);
      return;
    }
    connection.socket.unref(); // an idle socket never holds the process open
    this.idle.push(connection);
  }

  private gone(connection: Connection): void {
    const at = this.idle.indexOf(connection);
    if (at !== -1) this.idle.splice(at, 1);
    // An exchange still on it learns of the end and calls `forget` when done with it.
    if (connection.exchange === undefined) this.countOut(connection);
  }

  /** Takes a connection out of use for good. */
  forget(connection: Connection): void {
    connection.exchange = undefined;
    connection.dead = true;
    this.countOut(connection);
  }

  private countOut(connection: Connection): void {
    if (!connection.counted) return;
    connection.counted = false;
    this.count--;
    const next = this.waiting.shift();
    if (next !== undefined) {
      this.count++;
      next(new Connection(this.url, (c) => this.gone(c)));
    }
  }
}

const pools = new Map<string, HostPool>();

function poolFor(url: URL): HostPool {
  const key = `${url.protocol}//${url.host}`;
  let pool = pools.get(key);
  if (pool === undefined) {
    pool = new HostPool(url);
    pools.set(key, pool);
  }
  return pool;
}

type Phase = 'head' | 'body' | 'complete' | 'failed';

/**
 * Where a head that starts at `from` ends: the blank line after it, CRLF or (from servers
 * that send bare LF, which the head's parser also accepts) LF. `end` is -1 while incomplete.
 */
function headEnd(buffer: Buffer, from: number): { end: number; after: number } {
  const crlf = buffer.indexOf('\r\n\r\n', from);
  // Bare LF is looked for only before the CRLF end, not through the body that follows it.
  const lf = (crlf === -1 ? buffer : buffer.subarray(0, crlf)).indexOf('\n\n', from);
  if (lf !== -1) return { end: lf, after: lf + 2 };
  return { end: crlf, after: crlf === -1 ? -1 : crlf + 4 };
}

/** One request and its response on a connection. */
class Exchange implements FileBody {
  private phase: Phase = 'head';
  private head: Buffer = Buffer.alloc(0);
  private framing: BodyFraming = { kind: 'none' };
  private left = 0;
  private chunked: ChunkedDecoder | undefined;
  private reusable = false;
  private gotBytes = false;
  private sink: BodySink | undefined;
  /** Copies of pieces the sink could not take yet, in order. */
  private queued: Buffer[] = [];
  private waitingOnSink = false;
  /** The read resolved: every byte went to the sink. */
  private delivered = false;
  private error: Error | undefined;
  private settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private detach = (): void => undefined;
  private onIdle: (() => void) | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly pool: HostPool,
    private readonly onHead: (response: Omit<FileResponse, 'url'>) => void,
    private readonly onFail: (error: Error, beforeAnyByte: boolean) => void,
    signal: AbortSignal,
  ) {
    const onAbort = () => this.fail(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    this.detach = () => signal.removeEventListener('abort', onAbort);
  }

  /** Called by the socket for each read: `buffer` is reused once this returns. */
  received(buffer: Buffer, bytes: number): boolean {
    this.gotBytes = true;
    try {
      let at = 0;
      if (this.phase === 'head') at = this.readHead(buffer, bytes);
      if (this.phase === 'body') this.readBody(buffer, at, bytes);
      else if (this.phase === 'complete' && at < bytes) this.reusable = false; // bytes past the end
    } catch (error) {
      this.fail(asError(error));
      return false;
    }
    if (this.phase === 'complete') {
      this.finish(); // the socket is the pool's now, and reads on
      return !this.connection.dead;
    }
    if (this.phase === 'head') return true; // the head goes on in the next read
    // Paused while the sink is behind: the socket's window closes, and the server waits.
    return this.phase === 'body' && !this.waitingOnSink && this.queued.length === 0;
  }

  /** Gathers the head; returns where the body starts in `buffer` once it is complete. */
  private readHead(buffer: Buffer, bytes: number): number {
    const before = this.head.length;
    // Most heads come whole in one read: searched in place, the body is not copied with it.
    const combined =
      before === 0
        ? buffer.subarray(0, bytes)
        : Buffer.concat([this.head, buffer.subarray(0, bytes)]);
    for (let from = 0; ;) {
      const { end, after } = headEnd(combined, from);
      if (end === -1) {
        this.head = Buffer.from(combined.subarray(from)); // the read buffer is reused
        if (this.head.length > MAX_HEAD_BYTES) {
          throw new MalformedResponseError(`the head is over ${MAX_HEAD_BYTES} bytes`);
        }
        return bytes;
      }
      const head = parseHead(combined.toString('latin1', from, end));
      from = after;
      if (head.status >= 100 && head.status < 200) continue; // interim (103 Early Hints)
      this.head = Buffer.alloc(0);
      const { framing } = head;
      this.framing = framing;
      this.reusable = head.reusable;
      if (framing.kind === 'length') this.left = framing.length;
      if (framing.kind === 'chunked') this.chunked = new ChunkedDecoder();
      const empty = framing.kind === 'none' || (framing.kind === 'length' && framing.length === 0);
      this.phase = empty ? 'complete' : 'body';
      this.onHead({ status: head.status, headers: head.headers, body: this });
      // A head ends in the read that completes it, so the body starts inside this buffer.
      return from - before;
    }
  }

  private readBody(buffer: Buffer, start: number, end: number): void {
    let at = start;
    while (at < end && this.phase === 'body') {
      if (this.framing.kind === 'length') {
        const take = Math.min(this.left, end - at);
        this.left -= take;
        this.deliver(buffer, at, at + take);
        at += take;
        if (this.left === 0) this.phase = 'complete';
      } else if (this.chunked !== undefined) {
        const step = this.chunked.step(buffer, at, end);
        if (step.data !== undefined) this.deliver(buffer, step.data[0], step.data[1]);
        at = step.next;
        if (this.chunked.done) this.phase = 'complete';
      } else {
        this.deliver(buffer, at, end); // until the close
        at = end;
      }
    }
    if (at < end) this.reusable = false; // bytes past the body: not ours to read
  }

  /** Hands a piece to the sink now, or queues a copy while the sink is behind. */
  private deliver(buffer: Buffer, start: number, end: number): void {
    if (start === end) return;
    // A full read is passed as the buffer itself: no view to make (a big body's usual case).
    const piece = start === 0 && end === buffer.length ? buffer : buffer.subarray(start, end);
    if (this.sink === undefined || this.waitingOnSink || this.queued.length > 0) {
      this.queued.push(Buffer.from(piece));
      return;
    }
    this.feed(piece);
  }

  private feed(piece: Buffer): void {
    const wait = this.sink!(piece);
    if (wait === undefined) return;
    this.waitingOnSink = true;
    wait.then(
      () => {
        this.waitingOnSink = false;
        if (this.phase === 'failed') this.rejectRead();
        else this.drain();
      },
      (error: unknown) => {
        this.waitingOnSink = false;
        if (this.phase === 'failed') this.rejectRead();
        else this.fail(asError(error));
      },
    );
  }

  /** Feeds queued pieces while the sink keeps up; reading resumes when all are taken. */
  private drain(): void {
    if (this.phase === 'failed') return;
    try {
      while (!this.waitingOnSink && this.queued.length > 0) this.feed(this.queued.shift()!);
    } catch (error) {
      this.fail(asError(error));
      return;
    }
    if (this.waitingOnSink || this.queued.length > 0) return;
    if (this.phase === 'body' && !this.connection.dead) this.connection.socket.resume();
    this.settleIfDone();
  }

  /** The body has all its bytes: the socket goes back to the pool. */
  private finish(): void {
    if (this.connection.exchange !== this) return;
    this.detach();
    this.onIdle = undefined;
    this.connection.socket.setTimeout(0);
    this.pool.release(this.connection, this.reusable);
    this.settleIfDone();
  }

  private settleIfDone(): void {
    if (this.phase === 'complete' && !this.waitingOnSink && this.queued.length === 0) {
      if (this.settle !== undefined) this.delivered = true;
      this.settle?.resolve();
      this.settle = undefined;
    }
  }

  /** The socket closed or broke. For a body that runs until the close, that is its end. */
  connectionEnded(error: Error | undefined): void {
    if (this.phase === 'body' && this.framing.kind === 'close' && error === undefined) {
      this.phase = 'complete';
      this.pool.forget(this.connection);
      this.detach();
      this.settleIfDone();
      return;
    }
    const what =
      this.phase === 'head'
        ? 'the connection closed before the answer came'
        : 'the connection closed before the body ended';
    this.fail(error ?? connectionError(what, 'ECONNRESET'));
  }

  /**
   * Ends the exchange with `error`, unless the body was read to its end already. A body all
   * in from the wire but not yet taken by the sink (which threw, say) fails too; its socket
   * is the pool's by then.
   */
  private fail(error: Error): void {
    if (this.phase === 'failed' || this.delivered) return;
    const beforeHead = this.phase === 'head';
    const onWire = this.phase !== 'complete';
    this.phase = 'failed';
    this.error = error;
    this.queued = [];
    this.detach();
    if (onWire && this.connection.exchange === this) {
      this.pool.forget(this.connection);
      this.connection.socket.destroy();
    }
    if (beforeHead) this.onFail(error, !this.gotBytes);
    // A sink still taking a piece finishes it first: the caller's file then holds every byte
    // it hashed when the read rejects.
    if (!this.waitingOnSink) this.rejectRead();
  }

  private rejectRead(): void {
    this.settle?.reject(this.error!);
    this.settle = undefined;
  }

  read(sink: BodySink): Promise<void> {
    if (this.sink !== undefined) return Promise.reject(new Error('the body is read already'));
    this.sink = sink;
    if (this.phase === 'failed') return Promise.reject(this.error!);
    const done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.drain();
    return done;
  }

  destroy(error?: Error): void {
    this.fail(error ?? connectionError('the body was abandoned', 'ECONNRESET'));
  }

  setTimeout(ms: number, onIdle: () => void): void {
    if (this.phase !== 'body') return;
    this.onIdle = onIdle;
    this.connection.socket.setTimeout(ms);
  }

  /** The socket's idle timer fired. */
  idle(): void {
    if (this.phase === 'body') this.onIdle?.();
  }
}

function requestHead(url: URL, headers: Record<string, string>): string {
  let head = `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n]/.test(name + value) || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new TypeError(`invalid header ${JSON.stringify(name)}`);
    }
    head += `${name}: ${value}\r\n`;
  }
  return `${head}Connection: keep-alive\r\n\r\n`;
}

/** One GET on a pooled socket; a reused socket the server had closed is retried on a new one. */
function getOnce(url: URL, options: FileGetOptions, fresh = false): Promise<FileResponse> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return Promise.reject(new Error(`unsupported URL scheme ${url.protocol}`));
  }
  const { signal } = options;
  if (signal.aborted) return Promise.reject(abortError(signal));
  let head: string;
  try {
    head = requestHead(url, options.headers);
  } catch (error) {
    return Promise.reject(asError(error));
  }
  const pool = poolFor(url);
  return pool.acquire(fresh, signal).then(
    (connection) =>
      new Promise<FileResponse>((resolve, reject) => {
        // Aborted while the socket came: nothing is sent, and the socket serves the next one.
        if (signal.aborted) {
          pool.release(connection, true);
          reject(abortError(signal));
          return;
        }
        const reused = connection.reused;
        const exchange = new Exchange(
          connection,
          pool,
          (response) => resolve({ ...response, url: url.toString() }),
          (error, beforeAnyByte) => {
            // A kept socket the server closed while it was idle: the request never arrived.
            if (reused && beforeAnyByte && !signal.aborted) {
              resolve(getOnce(url, options, true));
            } else reject(error);
          },
          signal,
        );
        if (connection.dead) {
          exchange.connectionEnded(undefined);
          return;
        }
        connection.exchange = exchange;
        connection.socket.write(head);
      }),
  );
}

const redirects = new Set([301, 302, 303, 307, 308]);

/** GETs `url`, following redirects; the answer's body is the caller's to read or destroy. */
export async function getFile(url: string, options: FileGetOptions): Promise<FileResponse> {
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const response = await getOnce(current, options);
    const location = response.headers.location;
    if (!redirects.has(response.status) || location === undefined || hop >= MAX_REDIRECTS) {
      return response;
    }
    // A small body is read to its end, so its socket is reused; a bigger one is cut off.
    await readAtMost(response.body, DRAINED_BODY_BYTES + 1);
    current = new URL(location, current);
  }
}

/**
 * Reads at most `limit` bytes of a body into memory (an error answer, for its message);
 * a longer body is cut off there, its connection closed. A broken body gives what came.
 */
export async function readAtMost(body: FileBody, limit: number): Promise<Buffer> {
  const pieces: Buffer[] = [];
  let got = 0;
  const enough = new Error('enough');
  await body
    .read((piece) => {
      const take = Math.min(piece.length, limit - got);
      pieces.push(Buffer.from(piece.subarray(0, take)));
      got += take;
      if (got >= limit) throw enough;
      return undefined;
    })
    .catch(() => undefined);
  return Buffer.concat(pieces);
}

/** The headers as a fetch Headers, for the error classification shared with API calls. */
export function fetchHeaders(headers: FileHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) out.append(name, value);
  return out;
}
