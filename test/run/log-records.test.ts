// Log events carry chunks of many lines; the run's log.jsonl keeps a record per line. The
// records must not depend on how lines were gathered into events, or a re-attach (which
// replays the log and skips what is stored) would lose or repeat lines.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  countLogRecords,
  dropLogRecords,
  logRecords,
  mergeLogEntries,
  type LogStream,
} from '../../src/platform/log-records.js';
import type { Platform, RunHandle, WatchEvent } from '../../src/platform/platform.js';
import { capabilitiesOf } from '../../src/platform/capabilities.js';
import { MANIFEST_FILE } from '../../src/manifest.js';
import { finishRun } from '../../src/run/finish-run.js';
import { RunLifecycle } from '../../src/run/lifecycle.js';
import type { RunRecord } from '../../src/run/record.js';
import { RunStore } from '../../src/store/run-store.js';
import { tempDir } from '../helpers/temp.js';
import { testRunRecord } from '../helpers/run-record.js';

void test('a text divides into its lines, and a partial line after the last newline', () => {
  assert.deepEqual(logRecords('a\nb\n'), ['a\n', 'b\n']);
  assert.deepEqual(logRecords('a\nbc'), ['a\n', 'bc']);
  assert.deepEqual(logRecords('\n\n'), ['\n', '\n']);
  assert.deepEqual(logRecords('partial'), ['partial']);
  assert.deepEqual(logRecords(''), []);
  assert.deepEqual(logRecords('\r10%\r20%\n'), ['\r10%\r20%\n']);
  for (const text of ['a\nb\n', 'a\nbc', '\n\n', 'x', '', 'a\n\nb']) {
    assert.equal(countLogRecords(text), logRecords(text).length, text);
    for (let n = 0; n <= 4; n++) {
      assert.equal(dropLogRecords(text, n), logRecords(text).slice(n).join(''), `${text} ${n}`);
    }
  }
});

interface Entry {
  stream: LogStream;
  data: string;
}

const merge = (entries: Entry[]) =>
  mergeLogEntries(
    entries,
    (e) => e.stream,
    (e) => e.data,
  );

void test('entries merge only within a stream and only after a newline', () => {
  assert.deepEqual(
    merge([
      { stream: 'stdout', data: 'a\n' },
      { stream: 'stdout', data: 'b\nc\n' },
      { stream: 'stderr', data: 'warn\n' },
      { stream: 'stdout', data: 'd\n' },
      { stream: 'stdout', data: 'prompt> ' },
      { stream: 'stdout', data: 'e\n' },
      { stream: 'stdout', data: '' },
      { stream: 'stdout', data: 'f\n' },
    ]),
    [
      { stream: 'stdout', text: 'a\nb\nc\n' },
      { stream: 'stderr', text: 'warn\n' },
      { stream: 'stdout', text: 'd\nprompt> ' },
      { stream: 'stdout', text: 'e\nf\n' },
    ],
  );
});

/** A deterministic random log: whole lines, partial lines, both streams. */
function randomEntries(seed: number, count: number): Entry[] {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, (_, i) => {
    const lines = Array.from({ length: Math.floor(next() * 4) }, (_x, j) => `l${i}.${j}\n`);
    const tail = next() < 0.2 ? `part${i}` : '';
    return { stream: next() < 0.2 ? 'stderr' : 'stdout', data: lines.join('') + tail };
  });
}

void test('the records of merged events are those of the entries, however they are batched', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const entries = randomEntries(seed, 300);
    const want = entries.flatMap((e) => logRecords(e.data).map((r) => `${e.stream}:${r}`));
    // Batches of every size, as chunks of an answer would cut them.
    for (const size of [1, 2, 7, 300]) {
      const got: string[] = [];
      for (let i = 0; i < entries.length; i += size) {
        for (const event of merge(entries.slice(i, i + size))) {
          got.push(...logRecords(event.text).map((r) => `${event.stream}:${r}`));
        }
      }
      assert.deepEqual(got, want, `seed ${seed}, batches of ${size}`);
    }
  }
});

void test('the store writes a record per line of a chunk, a partial line as one more', async (t) => {
  const store = new RunStore(await tempDir(t), {});
  await store.create(runRecord('r', await tempDir(t)));
  await store.appendLog('r', [
    { stream: 'stdout', at: 1, text: 'a\nb "quoted" \\ \u00e9\n' },
    { stream: 'stderr', at: 2, text: '\r10%\r20%' },
    { stream: 'stdout', at: 3, text: 'c\n' },
  ]);
  assert.deepEqual(
    (await store.readLog('r')).map((l) => [l.stream, l.at, l.text]),
    [
      ['stdout', 1, 'a\n'],
      ['stdout', 1, 'b "quoted" \\ \u00e9\n'],
      ['stderr', 2, '\r10%\r20%'],
      ['stdout', 3, 'c\n'],
    ],
  );
});

function runRecord(runId: string, root: string): RunRecord {
  return testRunRecord(root, { runId });
}

/** Replays `events` on every watch, then COMPLETE; the manifest is in `remote`. */
function replayingPlatform(events: WatchEvent[], remote: string): Platform {
  return {
    name: 'kaggle',
    capabilities: capabilitiesOf('kaggle'),
    ship: () => {
      throw new Error('unused');
    },
    push: () => Promise.reject(new Error('unused')),
    async *watch(): AsyncIterable<WatchEvent> {
      await Promise.resolve();
      yield { type: 'status', status: 'running' };
      yield* events;
      yield { type: 'status', status: 'complete' };
    },
    status: () => Promise.resolve({ status: 'complete' as const }),
    listOutputs: () => Promise.resolve([{ path: MANIFEST_FILE }]),
    download: async (_h: RunHandle, file: { path: string }, dest: string) => {
      await writeFile(
        dest,
        await (await import('node:fs/promises')).readFile(join(remote, file.path)),
      );
    },
  };
}

void test('a re-attach that replays the log in other batches stores each line once', async (t) => {
  const root = await tempDir(t);
  const remote = await tempDir(t);
  await writeFile(
    join(remote, MANIFEST_FILE),
    JSON.stringify({
      nonce: 'n',
      exitCode: 0,
      error: null,
      failedStep: null,
      startedAt: '',
      endedAt: '',
      durationSeconds: 0,
      pythonVersion: '3',
      acceleratorAsked: 'none',
      acceleratorSeen: { kind: 'none', names: [], count: 0 },
      files: [],
    }),
  );
  const store = new RunStore(root, {});
  const record = runRecord('again', root);
  await store.create(record);
  const lines = [
    '[kaggle-run] start nonce=n run=again\n',
    'one\n',
    'two\n',
    'thr',
    'ee\n',
    'four\n',
  ];
  // The first client stored the log up to 'two' before it went away.
  await store.appendLog('again', [{ stream: 'stdout', at: 1, text: lines.slice(0, 3).join('') }]);
  const skip = (await store.readLog('again')).length;
  // The replay gathers the same entries into other events.
  const replay: WatchEvent[] = [
    { type: 'log', stream: 'stdout', text: lines.slice(0, 2).join('') },
    { type: 'log', stream: 'stdout', text: `${lines[2]!}${lines[3]!}` },
    { type: 'log', stream: 'stdout', text: lines.slice(4).join('') },
  ];
  for await (const _event of finishRun({
    platform: replayingPlatform(replay, remote),
    handle: { platform: 'kaggle', kernel: 'me/k', version: 1, nonce: 'n' },
    life: RunLifecycle.resume(store, record),
    skipLogEvents: skip,
  }));
  assert.equal(record.status, 'complete');
  assert.deepEqual(
    (await store.readLog('again')).map((l) => l.text),
    lines,
  );
});
