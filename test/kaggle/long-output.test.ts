// The pieces a chatty program's output goes through, one by one: each linear in its input
// (bounds loose enough for a loaded machine, far below what the quadratic versions took),
// each keeping every byte of ordinary output.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { AsyncChannel } from '../../src/kaggle/async-channel.js';
import { MAX_LINE_CHARS, SseParser } from '../../src/kaggle/sse.js';
import { PersistedLogReader, parsePersistedLog } from '../../src/kaggle/log-entry.js';
import { collectLines, type LogEntry } from '../../src/platform/local/log-lines.js';
import { startExecution } from '../../src/platform/local/executor.js';
import { formatPersistedLog } from '../../src/server/log-format.js';
import { fitForTerminal } from '../../src/cli/render/terminal-fit.js';
import { tempDir } from '../helpers/temp.js';
import { scaled } from '../helpers/machine.js';
import { logRecords } from '../../src/platform/log-records.js';

/** Milliseconds to drain `n` queued items, checking their order. */
async function drainMs(n: number): Promise<number> {
  const channel = new AsyncChannel<number>();
  for (let i = 0; i < n; i++) channel.push(i);
  channel.close();
  const started = performance.now();
  let next = 0;
  let misplaced = 0;
  for await (const item of channel) if (item !== next++) misplaced++;
  assert.equal(next, n);
  assert.equal(misplaced, 0);
  return performance.now() - started;
}

void test('AsyncChannel drains its backlog in linear time, in order', async () => {
  const small = await drainMs(20_000);
  const large = await drainMs(200_000);
  // Ten times the items: about ten times the time (shift() took over 500 times as long).
  assert.ok(large < Math.max(small, 20) * 40, `20,000: ${small} ms, 200,000: ${large} ms`);
});

void test('AsyncChannel with a capacity makes room() wait until the reader took items', async () => {
  const channel = new AsyncChannel<number>(2);
  channel.push(1);
  channel.push(2);
  let roomy = false;
  const room = channel.room().then(() => (roomy = true));
  await Promise.resolve();
  assert.equal(roomy, false);
  const reader = channel[Symbol.asyncIterator]();
  assert.deepEqual(await reader.next(), { value: 1, done: false });
  await room;
  assert.equal(roomy, true);
});

void test('SseParser: a 32 MB line costs linear time and is left out with a notice; short events around it pass', async () => {
  const parser = new SseParser();
  const chunk = 'x'.repeat(64 * 1024);
  const out: string[] = [...parser.feed('data: before\n\ndata: ')];
  const limit = await scaled(5000); // on an idle machine, stretched by its slowness
  const started = performance.now();
  for (let i = 0; i < 512; i++) out.push(...parser.feed(chunk));
  out.push(...parser.feed('\n\ndata: after\n\n'), ...parser.flush());
  assert.ok(performance.now() - started < limit, `${performance.now() - started} ms`);
  assert.equal(out.length, 3);
  assert.equal(out[0], 'before');
  assert.match(out[1]!, /left out .*over the 8 MiB limit/);
  assert.equal(out[2], 'after');
});

void test('SseParser: a line split across many chunks under the limit comes out whole', () => {
  const parser = new SseParser();
  const text = `data: ${'y'.repeat(MAX_LINE_CHARS - 100)}`;
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 1000) out.push(...parser.feed(text.slice(i, i + 1000)));
  assert.equal(out.length, 0);
  out.push(...parser.feed('\r\n\r\n'));
  assert.deepEqual(out, [text.slice('data: '.length)]);
});

void test('collectLines: one 50 MB line in linear time, split into pieces that join back', async () => {
  const stream = new PassThrough();
  const entries: LogEntry[] = [];
  const done = collectLines(stream, 'stdout', Date.now(), (e) => entries.push(e));
  const limit = await scaled(10_000); // on an idle machine, stretched by its slowness
  const started = performance.now();
  const block = Buffer.alloc(64 * 1024, 'z');
  for (let i = 0; i < 800; i++) stream.write(block);
  stream.end('\nshort\n');
  await done;
  assert.ok(performance.now() - started < limit, `${performance.now() - started} ms`);
  assert.ok(entries.every((e) => e.data.length <= MAX_LINE_CHARS));
  const text = entries.map((e) => e.data).join('');
  assert.equal(text.length, 800 * 64 * 1024 + 7);
  assert.ok(text.endsWith('z\nshort\n'));
  assert.equal(logRecords(entries.at(-1)!.data).at(-1), 'short\n');
});

void test('collectLines: a line half read when the reader holds the stream back stays whole', async () => {
  const stream = new PassThrough();
  const entries: LogEntry[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let holds = 0;
  const hold = () => (holds++ === 0 ? held : undefined);
  const done = collectLines(stream, 'stdout', Date.now(), (e) => entries.push(e), hold);
  stream.write('step 1\nstep 2 par');
  // Held for longer than the pause after which a line without its newline is shown.
  await new Promise((r) => setTimeout(r, 600));
  assert.deepEqual(
    entries.map((e) => e.data),
    ['step 1\n'],
  );
  release();
  stream.end('t\n');
  await done;
  assert.deepEqual(
    entries.map((e) => e.data),
    ['step 1\n', 'step 2 part\n'],
  );
});

void test('a program printing one 20 MB line runs locally in linear time, every byte kept', async (t) => {
  const dir = await tempDir(t);
  const limit = await scaled(60_000); // on an idle machine, stretched by its slowness
  const started = performance.now();
  const execution = await startExecution({
    dir,
    sandbox: 'none',
    kind: 'script',
    inputs: [],
    accelerator: 'none',
    timeoutSeconds: 300,
    keepLog: false,
    source: 'import sys\nsys.stdout.write("w" * (20 * 1024 * 1024) + "\\n")\n',
  });
  let chars = 0;
  let pieces = 0;
  for await (const entry of execution.follow()) {
    chars += entry.data.length;
    pieces++;
  }
  assert.equal((await execution.done).status, 'complete');
  assert.equal(chars, 20 * 1024 * 1024 + 1);
  assert.ok(pieces >= 20 * 16, `${pieces} pieces`);
  // The quadratic version took minutes for 50 MB; this is seconds even on a busy machine.
  assert.ok(performance.now() - started < limit, `${performance.now() - started} ms`);
});

void test('PersistedLogReader reads the production layout chunk by chunk, like parsePersistedLog', () => {
  const entries = Array.from({ length: 1000 }, (_, i) => ({
    stream_name: i % 3 === 0 ? ('stderr' as const) : ('stdout' as const),
    time: i / 10,
    data: `line ${i}\n`,
  }));
  const text = formatPersistedLog(entries);
  const reader = new PersistedLogReader(1024);
  const out = [];
  for (let i = 0; i < text.length; i += 777) out.push(...reader.feed(text.slice(i, i + 777)));
  out.push(...reader.end());
  assert.deepEqual(out, parsePersistedLog(text));
  assert.equal(out.length, 1000);
  // Other layouts (all on one line, pretty-printed) are read element by element: the limit
  // bounds an element, not the log.
  for (const other of [JSON.stringify(entries), JSON.stringify(entries, null, 2)]) {
    for (const size of [1, 777, other.length]) {
      const reader = new PersistedLogReader(100);
      const got = [];
      for (let i = 0; i < other.length; i += size)
        got.push(...reader.feed(other.slice(i, i + size)));
      got.push(...reader.end());
      assert.deepEqual(got, parsePersistedLog(other), `by ${size}`);
    }
  }
  // An element past the limit is refused rather than held.
  const long = JSON.stringify([{ stream_name: 'stdout', time: 0, data: 'x'.repeat(200) }]);
  assert.throws(() => new PersistedLogReader(100).feed(long), /longer than 100 characters/);
  // Plain text comes back as text, as parsePersistedLog has it.
  const plain = new PersistedLogReader(1000);
  assert.deepEqual(
    [...plain.feed('Line 1\nLine 2'), ...plain.end()],
    parsePersistedLog('Line 1\nLine 2'),
  );
});

void test('PersistedLogReader: a one-line log far over its limit is read whole, in bounded memory', () => {
  const count = 200_000;
  const reader = new PersistedLogReader(1 << 16);
  let n = 0;
  reader.feed('[');
  for (let i = 0; i < count; i += 1000) {
    const part = Array.from({ length: 1000 }, (_, j) =>
      JSON.stringify({ stream_name: 'stdout', time: i + j, data: `step ${i + j}\n` }),
    ).join(',');
    for (const entry of reader.feed(`${i === 0 ? '' : ','}${part}`)) {
      assert.equal(entry.data, `step ${n}\n`);
      n++;
    }
  }
  for (const entry of [...reader.feed(']'), ...reader.end()])
    assert.equal(entry.data, `step ${n++}\n`);
  assert.equal(n, count);
});

void test('fitForTerminal keeps the last frame of a \\r-redrawn line and the last lines of a burst', () => {
  const bar = Array.from({ length: 1000 }, (_, i) => `\r${i}%|###|`).join('');
  assert.deepEqual(fitForTerminal(`${bar}\n`, 10), { text: '\r999%|###|\n', dropped: 0 });
  assert.deepEqual(fitForTerminal('a\r\nb\n', 10), { text: 'a\r\nb\n', dropped: 0 });
  const burst = Array.from({ length: 500 }, (_, i) => `line ${i}\n`).join('');
  const fitted = fitForTerminal(burst, 200);
  assert.equal(fitted.dropped, 300);
  assert.equal(fitted.text, Array.from({ length: 200 }, (_, i) => `line ${i + 300}\n`).join(''));
  assert.deepEqual(fitForTerminal('partial\r50%', 5), { text: '\r50%', dropped: 0 });
});
