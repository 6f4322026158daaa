import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { KaggleApiError } from '../../src/kaggle/errors.js';
import { KaggleHttp } from '../../src/kaggle/http.js';
import { parsePersistedLog, streamKernelLog } from '../../src/kaggle/log-stream.js';
import type { LogEntry, LogStreamOptions, LogStreamResult } from '../../src/kaggle/log-stream.js';
import { SseParser } from '../../src/kaggle/sse.js';
import { json, recordingSleep, startServer } from './helpers/fake-server.js';
import type { FakeServer, Handler } from './helpers/fake-server.js';

const LOGS = 'GET /v1/kernels/logs/stream/me/my-kernel';
const ev = (data: string, stream = 'stdout', time = 1) =>
  JSON.stringify({ stream_name: stream, time, data });

/** An SSE answer: the given payloads, END_OF_LOG when `end`, then a close or a dropped socket. */
const sse =
  (
    payloads: string[],
    options: { end?: boolean; drop?: boolean; chunked?: boolean } = {},
  ): Handler =>
  (_request, response: ServerResponse) => {
    response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' });
    const text = [...payloads, ...(options.end ? ['END_OF_LOG'] : [])]
      .map((p) => `data: ${p}\r\n\r\n`)
      .join('');
    // Split at awkward places: inside "data:", inside a JSON value, between \r and \n.
    const step = options.chunked ? 7 : text.length;
    const cut = Math.floor((text.length - 1) / step) * step;
    for (let i = 0; i < cut; i += step) response.write(text.slice(i, i + step));
    const last = text.slice(cut);
    // Drop only once the bytes are on their way, so the client surely gets them first.
    if (options.drop) response.write(last, () => response.socket?.destroy());
    else response.end(last);
  };

async function drain(
  gen: AsyncGenerator<LogEntry, LogStreamResult, undefined>,
): Promise<{ entries: LogEntry[]; result: LogStreamResult }> {
  const entries: LogEntry[] = [];
  for (;;) {
    const r = await gen.next();
    if (r.done) return { entries, result: r.value };
    entries.push(r.value);
  }
}

async function withLogs(
  routes: Record<string, Handler | Handler[]>,
  options: LogStreamOptions,
  run: (
    out: { entries: LogEntry[]; result: LogStreamResult },
    server: FakeServer,
    delays: number[],
  ) => void,
): Promise<void> {
  const server = await startServer(routes);
  const { sleep, delays } = recordingSleep();
  try {
    const http = new KaggleHttp({ base: server.url, authorization: 'Basic bWU6a2V5', sleep });
    run(await drain(streamKernelLog(http, 'me', 'my-kernel', options)), server, delays);
  } finally {
    await server.close();
  }
}

void test('SSE: JSON events, plain text, END_OF_LOG; the GET carries Accept and auth', async () => {
  await withLogs(
    {
      [LOGS]: sse([ev('step 1\n'), ev('warn\n', 'stderr', 2.5), 'plain text line'], { end: true }),
    },
    {},
    (out, server) => {
      assert.deepEqual(out.entries, [
        { stream: 'stdout', time: 1, data: 'step 1\n' },
        { stream: 'stderr', time: 2.5, data: 'warn\n' },
        { stream: 'stdout', time: 0, data: 'plain text line\n' },
      ]);
      assert.deepEqual(out.result, { endOfLog: true, persisted: false, seen: 3 });
      const [request] = server.requests;
      assert.equal(request?.headers.accept, 'text/event-stream, */*');
      assert.equal(request?.headers.authorization, 'Basic bWU6a2V5');
    },
  );
});

void test('SSE split at arbitrary chunk boundaries parses the same', async () => {
  const payloads = [ev('a\n'), ev('b\n'), ev('ünïcødé ✓\n')];
  await withLogs({ [LOGS]: sse(payloads, { end: true, chunked: true }) }, {}, (out) => {
    assert.deepEqual(
      out.entries.map((e) => e.data),
      ['a\n', 'b\n', 'ünïcødé ✓\n'],
    );
    assert.equal(out.result.endOfLog, true);
  });
});

void test('after the session, the persisted JSON array (production layout) is served', async () => {
  const blob = `[${ev('hello\n', 'stdout', 12.3)}\n,${ev('warn\n', 'stderr', 13)}\n]`;
  await withLogs({ [LOGS]: json(blob) }, {}, (out) => {
    assert.deepEqual(out.entries, [
      { stream: 'stdout', time: 12.3, data: 'hello\n' },
      { stream: 'stderr', time: 13, data: 'warn\n' },
    ]);
    assert.deepEqual(out.result, { endOfLog: true, persisted: true, seen: 2 });
  });
});

void test('a dropped stream reconnects 1 s later and skips the replayed events', async () => {
  const routes = {
    [LOGS]: [
      sse([ev('1\n'), ev('2\n')], { drop: true }),
      sse([ev('1\n'), ev('2\n'), ev('3\n')], { end: true }),
    ],
  };
  await withLogs(routes, {}, (out, server, delays) => {
    assert.deepEqual(
      out.entries.map((e) => e.data),
      ['1\n', '2\n', '3\n'],
    );
    assert.equal(out.result.endOfLog, true);
    assert.equal(server.requests.length, 2);
    assert.deepEqual(delays, [1000]);
  });
});

void test('reconnects are bounded when no new event comes; the result says the log is incomplete', async () => {
  await withLogs({ [LOGS]: sse([ev('only\n')]) }, { maxReconnects: 3 }, (out, server, delays) => {
    assert.deepEqual(
      out.entries.map((e) => e.data),
      ['only\n'],
    );
    assert.deepEqual(out.result, { endOfLog: false, persisted: false, seen: 1 });
    assert.equal(server.requests.length, 5); // the first (progress), then 1 + 3 reconnects without
    assert.equal(delays.length, 4);
  });
});

void test('`skip` resumes after events an earlier call delivered', async () => {
  await withLogs(
    { [LOGS]: sse([ev('1\n'), ev('2\n'), ev('3\n')], { end: true }) },
    { skip: 2 },
    (out) => {
      assert.deepEqual(
        out.entries.map((e) => e.data),
        ['3\n'],
      );
      assert.equal(out.result.seen, 3);
    },
  );
});

void test('HTTP errors that retrying cannot fix are thrown at once', async () => {
  const server = await startServer({ [LOGS]: json({ code: 404, message: 'no session' }, 404) });
  try {
    const http = new KaggleHttp({ base: server.url, sleep: recordingSleep().sleep });
    await assert.rejects(
      drain(streamKernelLog(http, 'me', 'my-kernel')),
      (e: unknown) => e instanceof KaggleApiError && e.kind === 'not-found',
    );
    assert.equal(server.requests.length, 1);
  } finally {
    await server.close();
  }
});

void test('parsePersistedLog: compact and production layouts, damage, plain text', () => {
  const a = ev('a\n');
  const b = ev('b\n', 'stderr');
  const expected = [
    { stream: 'stdout', time: 1, data: 'a\n' },
    { stream: 'stderr', time: 1, data: 'b\n' },
  ];
  assert.deepEqual(parsePersistedLog(`[${a},${b}]`), expected);
  assert.deepEqual(parsePersistedLog(`[${a}\n,${b}\n]`), expected);
  assert.deepEqual(parsePersistedLog(`[${a}\n,${b}\n,{"stream_name":"std`), expected); // truncated
  assert.deepEqual(parsePersistedLog(''), []);
  assert.deepEqual(parsePersistedLog('[]'), []);
  assert.deepEqual(parsePersistedLog('not json'), [
    { stream: 'stdout', time: 0, data: 'not json\n' },
  ]);
});

void test('SseParser: comments, other fields, multi-line data, no space after the colon', () => {
  const parser = new SseParser();
  assert.deepEqual(parser.feed(': keepalive\n\nevent: log\nid: 3\ndata:one\ndata: two\n\nda'), [
    'one\ntwo',
  ]);
  assert.deepEqual(parser.feed('ta: three\n'), []);
  assert.deepEqual(parser.flush(), ['three']);
});
