// The file-download HTTP client (file-get.ts) against real servers on 127.0.0.1: node:http
// for well-behaved answers, raw TCP for the framings and faults node:http would not send,
// and TLS with a certificate of the test's own (test/fixtures/tls, for 127.0.0.1).

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { getFile, readAtMost, type FileBody } from '../../src/kaggle/file-get.js';
import { sha256Hex } from '../../src/util/hash.js';
import { packageRoot } from '../../src/util/package-root.js';
import { waitUntil } from '../helpers/wait.js';

const TLS_DIR = join(packageRoot(), 'test/fixtures/tls');

/** A node:http server; `connections` counts the TCP connections it was given. */
async function httpServer(
  t: TestContext,
  handler: RequestListener,
): Promise<{ url: string; connections: () => number }> {
  const server = createHttpServer(handler);
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, connections: () => connections };
}

/**
 * A raw TCP server: `answer` gets each connection and the text of every request head that
 * arrives on it, and writes whatever bytes it likes.
 */
async function rawServer(
  t: TestContext,
  answer: (socket: Socket, request: string, index: number) => void,
): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = '';
    let index = 0;
    socket.on('data', (data: Buffer) => {
      pending += data.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end !== -1; end = pending.indexOf('\r\n\r\n')) {
        const request = pending.slice(0, end);
        pending = pending.slice(end + 4);
        answer(socket, request, index++);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, connections: () => connections };
}

const options = () => ({ headers: {}, signal: new AbortController().signal });

/** Reads a body whole, copying each piece (pieces are views of a reused buffer). */
async function bytesOf(body: FileBody): Promise<Buffer> {
  const pieces: Buffer[] = [];
  await body.read((piece) => void pieces.push(Buffer.from(piece)));
  return Buffer.concat(pieces);
}

/** Writes `bytes` a few at a time, each after the last has gone out, so reads split them. */
async function dribble(socket: Socket, bytes: Buffer, step: number): Promise<void> {
  for (let at = 0; at < bytes.length; at += step) {
    await new Promise<void>((resolve) =>
      socket.write(bytes.subarray(at, at + step), () => resolve()),
    );
  }
}

void test('sequential GETs share one kept-alive connection, each body exact', async (t) => {
  const files = new Map([1, 2, 3, 4, 5].map((n) => [`/f${n}`, randomBytes(n * 70_000)]));
  const server = await httpServer(t, (req, res) => {
    const body = files.get(req.url ?? '')!;
    res.writeHead(200, { 'Content-Length': String(body.length) }).end(body);
  });
  for (const [path, expected] of files) {
    const response = await getFile(`${server.url}${path}`, options());
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-length'], String(expected.length));
    assert.ok((await bytesOf(response.body)).equals(expected));
  }
  assert.equal(server.connections(), 1);
});

void test('many GETs at once all complete, over at most 32 connections', async (t) => {
  const server = await httpServer(t, (req, res) => {
    res.writeHead(200, { 'Content-Length': String(req.url?.length) }).end(req.url);
  });
  const paths = Array.from({ length: 80 }, (_, i) => `/item-${i}`);
  const bodies = await Promise.all(
    paths.map(async (path) =>
      (await bytesOf((await getFile(`${server.url}${path}`, options())).body)).toString(),
    ),
  );
  assert.deepEqual(bodies, paths);
  assert.ok(server.connections() <= 32, `${server.connections()} connections`);
});

void test('a chunked body is decoded across any split, extensions and trailers dropped', async (t) => {
  const payload = randomBytes(100_000);
  const wire = Buffer.concat([
    Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'),
    Buffer.from('1;name=value\r\n'),
    payload.subarray(0, 1),
    Buffer.from('\r\n'),
    Buffer.from(`${(payload.length - 1).toString(16).toUpperCase()}\r\n`),
    payload.subarray(1),
    Buffer.from('\r\n0\r\nX-Trailer: yes\r\n\r\n'),
  ]);
  // 13-byte writes: the head too arrives over several reads.
  const server = await rawServer(t, (socket) => void dribble(socket, wire, 13));
  for (let round = 0; round < 2; round++) {
    const response = await getFile(`${server.url}/c`, options());
    assert.ok((await bytesOf(response.body)).equals(payload));
  }
  assert.equal(server.connections(), 1, 'the connection is reused after a chunked body');
});

void test('a body without length runs to the close, and its connection is not reused', async (t) => {
  const server = await rawServer(t, (socket) => {
    socket.end('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it until the close');
  });
  for (let round = 0; round < 2; round++) {
    const response = await getFile(`${server.url}/x`, options());
    assert.equal((await bytesOf(response.body)).toString(), 'all of it until the close');
  }
  assert.equal(server.connections(), 2);
});

void test('an interim 103 answer is skipped; 204 has no body', async (t) => {
  const server = await rawServer(t, (socket, request) => {
    if (request.startsWith('GET /hints')) {
      socket.write('HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n');
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal');
    } else socket.write('HTTP/1.1 204 No Content\r\n\r\n');
  });
  const hinted = await getFile(`${server.url}/hints`, options());
  assert.equal(hinted.status, 200);
  assert.equal((await bytesOf(hinted.body)).toString(), 'final');
  const empty = await getFile(`${server.url}/none`, options());
  assert.equal(empty.status, 204);
  assert.equal((await bytesOf(empty.body)).length, 0);
  assert.equal(server.connections(), 1);
});

void test('malformed answers are refused with a clear error', async (t) => {
  const answers: Record<string, string> = {
    '/status': 'HTTP/2 200 OK\r\n\r\n',
    '/length': 'HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello',
    '/field': 'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
    '/chunk': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    '/huge': `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70_000)}`,
  };
  const server = await rawServer(t, (socket, request) => {
    socket.write(answers[request.split(' ')[1] ?? '']!);
  });
  for (const [path, why] of Object.entries({
    '/status': /bad status line/,
    '/length': /bad Content-Length/,
    '/field': /bad header line/,
    '/huge': /head is over/,
  })) {
    await assert.rejects(getFile(`${server.url}${path}`, options()), why, path);
  }
  const response = await getFile(`${server.url}/chunk`, options());
  await assert.rejects(bytesOf(response.body), /bad chunk size/);
});

void test('a kept connection the server closed meanwhile is replaced without an error', async (t) => {
  // The first connection answers once, then hangs up on the next request without a byte,
  // as a server does when its keep-alive timeout passes just as a request goes out.
  const server = await rawServer(t, (socket, _request, index) => {
    if (index === 0) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none');
    else socket.destroy();
  });
  const first = await getFile(`${server.url}/a`, options());
  assert.equal((await bytesOf(first.body)).toString(), 'one');
  const second = await getFile(`${server.url}/a`, options());
  assert.equal((await bytesOf(second.body)).toString(), 'one');
  assert.equal(server.connections(), 2);
});

void test('a new connection dropped before the answer, or a body cut short, fails', async (t) => {
  const server = await rawServer(t, (socket, request) => {
    if (request.startsWith('GET /drop')) socket.destroy();
    else socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf');
  });
  await assert.rejects(
    getFile(`${server.url}/drop`, options()),
    (e: NodeJS.ErrnoException) => e.code === 'ECONNRESET',
  );
  const short = await getFile(`${server.url}/short`, options());
  await assert.rejects(
    bytesOf(short.body),
    (e: NodeJS.ErrnoException) =>
      e.code === 'ECONNRESET' && /closed before the body ended/.test(e.message),
  );
});

void test('a slow sink holds the server back, and every byte arrives in order', async (t) => {
  const payload = randomBytes(16 * 1024 * 1024);
  let heldBack = false;
  const server = await httpServer(t, (_req, res) => {
    res.writeHead(200, { 'Content-Length': String(payload.length) });
    // Sent in pieces: a write that returns false means the client's window is closed.
    void (async () => {
      for (let at = 0; at < payload.length; at += 256 * 1024) {
        if (!res.write(payload.subarray(at, at + 256 * 1024))) {
          heldBack = true;
          await new Promise((resolve) => res.once('drain', resolve));
        }
      }
      res.end();
    })();
  });
  const response = await getFile(`${server.url}/big`, options());
  const pieces: Buffer[] = [];
  await response.body.read((piece) => {
    pieces.push(Buffer.from(piece));
    return new Promise((resolve) => setImmediate(resolve)); // a disk slower than the link
  });
  assert.ok(Buffer.concat(pieces).equals(payload));
  assert.ok(heldBack, 'the server was told to wait');
});

void test('a sink that throws ends the body with its error; the socket is not reused', async (t) => {
  const server = await httpServer(t, (_req, res) => {
    res.writeHead(200, { 'Content-Length': '200000' }).end(Buffer.alloc(200_000));
  });
  const response = await getFile(`${server.url}/f`, options());
  await assert.rejects(
    response.body.read(() => {
      throw new Error('too big for the cap');
    }),
    /too big for the cap/,
  );
  assert.equal((await bytesOf((await getFile(`${server.url}/f`, options())).body)).length, 200_000);
  assert.equal(server.connections(), 2);
});

void test('the signal aborts a body still arriving; silence past the idle time is reported', async (t) => {
  const server = await httpServer(t, (_req, res) => {
    res.writeHead(200, { 'Content-Length': '100' });
    res.write('only part'); // then nothing
  });
  const controller = new AbortController();
  const aborted = await getFile(`${server.url}/a`, { headers: {}, signal: controller.signal });
  const reading = aborted.body.read(() => {
    controller.abort(new Error('user pressed Ctrl-C'));
    return undefined;
  });
  await assert.rejects(reading, (e: Error) => e.name === 'AbortError');

  const idle = await getFile(`${server.url}/b`, options());
  idle.body.setTimeout(50, () => idle.body.destroy(new Error('silent for 50 ms')));
  await assert.rejects(bytesOf(idle.body), /silent for 50 ms/);
});

void test('redirects are followed on the same connection; readAtMost caps a body', async (t) => {
  const server = await httpServer(t, (req, res) => {
    if (req.url === '/moved') res.writeHead(302, { Location: '/here' }).end('see /here');
    else res.writeHead(200, { 'Content-Length': '26' }).end('abcdefghijklmnopqrstuvwxyz');
  });
  const response = await getFile(`${server.url}/moved`, options());
  assert.equal(response.url, `${server.url}/here`);
  assert.equal((await readAtMost(response.body, 10)).toString(), 'abcdefghij');
  assert.equal(server.connections(), 1);
});

void test('request headers go out as given; a header with a line break is refused', async (t) => {
  let seen: Record<string, unknown> = {};
  const server = await httpServer(t, (req, res) => {
    seen = req.headers;
    res.writeHead(200, { 'Content-Length': '0' }).end();
  });
  const response = await getFile(`${server.url}/h?x=1`, {
    headers: { Range: 'bytes=5-', 'Accept-Encoding': 'identity' },
    signal: new AbortController().signal,
  });
  await bytesOf(response.body);
  assert.equal(seen.range, 'bytes=5-');
  assert.equal(seen['accept-encoding'], 'identity');
  assert.equal(seen.host, new URL(server.url).host);
  await assert.rejects(
    getFile(`${server.url}/h`, { headers: { X: 'a\r\nInjected: 1' }, signal: options().signal }),
    /invalid header/,
  );
});

/** An HTTPS server with the fixture certificate, sending `payload` on every request. */
async function tlsServer(
  t: TestContext,
  payload: Buffer,
): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const server = createTlsServer(
    { key: readFileSync(join(TLS_DIR, 'key.pem')), cert: readFileSync(join(TLS_DIR, 'cert.pem')) },
    (socket) => {
      connections++;
      socket.on('error', () => undefined);
      let pending = '';
      socket.on('data', (data: Buffer) => {
        pending += data.toString('latin1');
        while (pending.includes('\r\n\r\n')) {
          pending = pending.slice(pending.indexOf('\r\n\r\n') + 4);
          socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${payload.length}\r\n\r\n`);
          socket.write(payload);
        }
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as AddressInfo;
  return { url: `https://127.0.0.1:${port}`, connections: () => connections };
}

void test('HTTPS: a certificate nobody vouches for is refused', async (t) => {
  const { url } = await tlsServer(t, Buffer.from('secret'));
  await assert.rejects(getFile(`${url}/f`, options()), (e: NodeJS.ErrnoException) =>
    /SELF_SIGNED|UNABLE_TO_VERIFY/.test(String(e.code)),
  );
});

void test('HTTPS: with the certificate trusted, bodies arrive exact, slow sink and reuse too', async (t) => {
  const payload = randomBytes(3 * 1024 * 1024 + 17);
  const { url, connections } = await tlsServer(t, payload);
  // Node reads extra trusted certificates at start-up only: a process of its own.
  const client = fileURLToPath(new URL('../../src/kaggle/file-get.js', import.meta.url));
  const script = `
    const { getFile } = await import(${JSON.stringify(client)});
    const { createHash } = await import('node:crypto');
    const digests = [];
    for (const slow of [false, true]) {
      const response = await getFile(process.argv[1], { headers: {}, signal: new AbortController().signal });
      const hash = createHash('sha256');
      await response.body.read((piece) => {
        hash.update(piece);
        return slow ? new Promise((resolve) => setImmediate(resolve)) : undefined;
      });
      digests.push(hash.digest('hex'));
    }
    console.log(JSON.stringify(digests));`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script, `${url}/f`],
    { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(TLS_DIR, 'cert.pem') } },
  );
  const expected = sha256Hex(payload);
  assert.deepEqual(JSON.parse(stdout), [expected, expected]);
  assert.equal(connections(), 1);
});

void test('an abort while waiting for a free socket, or before sending, sends nothing', async (t) => {
  const held: ServerResponse[] = [];
  let requests = 0;
  const server = await httpServer(t, (_req, res) => {
    requests++;
    res.writeHead(200, { 'Content-Length': '2' }).flushHeaders();
    held.push(res); // answered later: all 32 sockets stay busy
  });
  const busy = await Promise.all(
    Array.from({ length: 32 }, () => getFile(`${server.url}/busy`, options())),
  );
  const controller = new AbortController();
  const queued = getFile(`${server.url}/queued`, { headers: {}, signal: controller.signal });
  controller.abort(new Error('user pressed Ctrl-C'));
  await assert.rejects(queued, (e: Error) => e.name === 'AbortError');
  for (const res of held) res.end('ok');
  for (const response of busy) assert.equal((await bytesOf(response.body)).toString(), 'ok');

  const early = new AbortController();
  const sent = getFile(`${server.url}/early`, { headers: {}, signal: early.signal });
  early.abort(); // in the same turn: the socket is not in hand yet
  await assert.rejects(sent, (e: Error) => e.name === 'AbortError');
  assert.equal(requests, 32, 'neither aborted request reached the server');
  // The pool is whole: a request after all that is answered.
  const after = getFile(`${server.url}/after`, options());
  await waitUntil('the request after the aborts to arrive', () => held.length === 33);
  held[32]!.end('ok');
  assert.equal((await bytesOf((await after).body)).toString(), 'ok');
});

void test('a body failing while the sink holds a piece rejects only once the sink is done', async (t) => {
  const server = await httpServer(t, (_req, res) => {
    res.writeHead(200, { 'Content-Length': '1000000' });
    res.write(Buffer.alloc(100_000)); // then silence
  });
  const response = await getFile(`${server.url}/f`, options());
  let sinkDone = false;
  let finishSink = (): void => undefined;
  // The body fails while the sink (a disk slower than the idle time) still takes a piece;
  // the sink finishes a turn later.
  response.body.setTimeout(20, () => {
    response.body.destroy(new Error('silent'));
    setImmediate(finishSink);
  });
  await assert.rejects(
    response.body.read(
      () =>
        new Promise<void>((resolve) => {
          finishSink = () => {
            sinkDone = true;
            resolve();
          };
        }),
    ),
    (e: Error) => {
      assert.ok(sinkDone, 'the read rejected before the sink had taken its piece');
      return /silent/.test(e.message);
    },
  );
});

void test('bare-LF heads are read; doubtful Transfer-Encoding answers close the connection', async (t) => {
  const server = await rawServer(t, (socket, request) => {
    const path = request.split(' ')[1];
    if (path === '/lf') socket.write('HTTP/1.1 200 OK\nContent-Length: 2\n\nok');
    else if (path === '/te-cl') {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n');
      socket.write('2\r\nok\r\n0\r\n\r\n');
    } else {
      socket.write(
        'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n',
      );
      socket.write('2\r\nok\r\n0\r\n\r\n');
    }
  });
  for (const path of ['/lf', '/te-cl', '/te-10', '/lf']) {
    const response = await getFile(`${server.url}${path}`, options());
    assert.equal((await bytesOf(response.body)).toString(), 'ok', path);
  }
  // /lf reused its socket for /te-cl, which was closed after; so was /te-10's.
  assert.equal(server.connections(), 3);
});
