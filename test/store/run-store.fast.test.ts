import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RunStore } from '../../src/store/run-store.js';
import { storedRunRecord } from '../helpers/run-record.js';
import { newRunId } from '../../src/store/run-id.js';
import { tempDir } from '../helpers/temp.js';

const record = storedRunRecord;

void test('records are created, listed newest first, resolved by prefix and `last`', async (t) => {
  const store = new RunStore(await tempDir(t), {});
  await store.create(record('20260101-000000-a-0001', '2026-01-01T00:00:00.000Z'));
  await store.create(record('20260102-000000-b-0002', '2026-01-02T00:00:00.000Z'));
  const { summaries } = await store.summaries();
  assert.deepEqual(
    summaries.map((r) => r.runId),
    ['20260102-000000-b-0002', '20260101-000000-a-0001'],
  );
  assert.equal((await store.resolve('last')).runId, '20260102-000000-b-0002');
  assert.equal((await store.resolve('20260101')).runId, '20260101-000000-a-0001');
  await assert.rejects(store.resolve('2026'), /2 runs match/);
  await assert.rejects(store.resolve('nope'), /no run matches/);
  assert.equal(await readFile(join(store.root, '.gitignore'), 'utf8'), '*\n');
});

void test('log lines round-trip and a torn last line is skipped', async (t) => {
  const store = new RunStore(await tempDir(t), {});
  await store.create(record('r', '2026-01-01T00:00:00.000Z'));
  await store.appendLog('r', [
    { stream: 'stdout', at: 1, text: 'a\n' },
    { stream: 'stderr', at: 2, text: 'b\n' },
  ]);
  await writeFile(join(store.runDir('r'), 'log.jsonl'), '{"stream":"stdout","at":3,"te', {
    flag: 'a',
  });
  assert.deepEqual(
    (await store.readLog('r')).map((l) => l.text),
    ['a\n', 'b\n'],
  );
});

void test('KAGGLE_RUN_HOME moves the store', async (t) => {
  const home = await tempDir(t);
  assert.equal(new RunStore('/somewhere', { KAGGLE_RUN_HOME: home }).root, home);
});

void test('run ids sort by time and carry the job slug', () => {
  const a = newRunId('hello', new Date('2026-11-23T10:15:02Z'));
  assert.match(a, /^20261123-101502-hello-[0-9a-f]{4}$/);
  assert.ok(newRunId('x', new Date('2026-11-23T10:15:03Z')) > a);
});
