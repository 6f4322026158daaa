import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RunStore } from '../../src/store/run-store.js';
import type { RunRecord } from '../../src/run/record.js';
import { tempDir } from '../helpers/temp.js';
import { storedRunRecord } from '../helpers/run-record.js';
import { runCli } from '../helpers/cli.js';

const record = (runId: string, day: number, status: RunRecord['status'] = 'queued') =>
  storedRunRecord(runId, `2026-01-${String(day).padStart(2, '0')}T00:00:00.000Z`, status);

const indexFile = (store: RunStore) => join(store.root, 'runs-index.jsonl');
const lines = async (store: RunStore) =>
  (await readFile(indexFile(store), 'utf8')).split('\n').filter(Boolean).length;
const listed = async (store: RunStore) =>
  (await store.summaries()).summaries.map((s) => `${s.runId}:${s.status}`);

void test('summaries come from the index, newest first, with each run as last saved', async (t) => {
  const store = new RunStore(await tempDir(t), {});
  await store.create(record('a', 1));
  await store.create(record('b', 2));
  await store.save(record('a', 1, 'complete'));
  assert.deepEqual(await listed(store), ['b:queued', 'a:complete']);
  assert.equal(await lines(store), 3);
  // The listing found nothing to read again, so it added nothing.
  assert.deepEqual(await listed(store), ['b:queued', 'a:complete']);
  assert.equal(await lines(store), 3);
});

void test('a record changed behind the index, a folder copied in, a lost index: all seen', async (t) => {
  const store = new RunStore(await tempDir(t), {});
  await store.create(record('a', 1));
  await store.create(record('b', 2));

  // Written without the store (an older kaggle-run, a crash before the index line).
  const changed = { ...record('a', 1, 'error'), warnings: ['written elsewhere'] };
  await writeFile(join(store.runDir('a'), 'run.json'), JSON.stringify(changed));
  // A run folder copied in from another project.
  await cp(store.runDir('b'), store.runDir('c'), { recursive: true });
  await writeFile(join(store.runDir('c'), 'run.json'), JSON.stringify(record('c', 3)));
  assert.deepEqual(await listed(store), ['c:queued', 'b:queued', 'a:error']);

  // A torn last line and then no index at all.
  await appendFile(indexFile(store), '{"summary": {"runId": "a", "sta');
  assert.deepEqual(await listed(store), ['c:queued', 'b:queued', 'a:error']);
  await rm(indexFile(store));
  assert.deepEqual(await listed(store), ['c:queued', 'b:queued', 'a:error']);
  // Rebuilt: the next listing reads no record.
  assert.equal(await lines(store), 3);

  // A removed run is no longer listed.
  await rm(store.runDir('b'), { recursive: true });
  assert.deepEqual(await listed(store), ['c:queued', 'a:error']);
});

void test('an index grown far past its runs is rewritten with one line each', async (t) => {
  const store = new RunStore(await tempDir(t), {});
  await store.create(record('a', 1));
  for (let i = 0; i < 100; i++) await store.save({ ...record('a', 1), warnings: [`w${i}`] });
  assert.equal(await lines(store), 101);
  assert.deepEqual(await listed(store), ['a:queued']);
  assert.equal(await lines(store), 1);
  assert.deepEqual((await store.resolve('last')).warnings, ['w99']);
});

void test('a corrupt record is reported by the listing and resolve still finds the others', async (t) => {
  const store = new RunStore(await tempDir(t), {});
  await store.create(record('20260101-good', 1));
  await mkdir(store.runDir('bad'), { recursive: true });
  await writeFile(join(store.runDir('bad'), 'run.json'), '{"runId": "bad", trunc');
  const { summaries, corrupt } = await store.summaries();
  assert.deepEqual(
    summaries.map((s) => s.runId),
    ['20260101-good'],
  );
  assert.deepEqual(
    corrupt.map((c) => c.runId),
    ['bad'],
  );
  assert.equal((await store.resolve('good')).runId, '20260101-good');
});

void test('`runs` lists from the index and --json prints whole records', async (t) => {
  const dir = await tempDir(t);
  const store = new RunStore(dir, {});
  await store.create(record('20260101-000000-a-0001', 1, 'complete'));
  await store.create(record('20260102-000000-b-0002', 2));
  const text = await runCli(['runs', '--dir', dir], { env: { KAGGLE_RUN_HOME: '' } });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^20260102-000000-b-0002 +queued +local +- +-\n/);
  assert.match(text.stdout, /\n20260101-000000-a-0001 +complete +local +- +exit 0\n$/);
  const json = await runCli(['runs', '--dir', dir, '--json', '-n', '1']);
  assert.equal(json.code, 0, json.stderr);
  const records = JSON.parse(json.stdout) as RunRecord[];
  assert.deepEqual(records, [record('20260102-000000-b-0002', 2)]);
});
