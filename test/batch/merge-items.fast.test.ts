// The merge of a batch whose chunks did not all run: the items of a chunk without a run are
// `missing` (with the reason), and items.jsonl still lists every input item.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mergeBatch, summarize } from '../../src/batch/merge-items.js';
import { RunStore } from '../../src/store/run-store.js';
import type { SweepRecord } from '../../src/sweep/sweep-store.js';
import { tempDir } from '../helpers/temp.js';

void test('a chunk that never ran: its items are missing, with the reason', async (t) => {
  const root = await tempDir(t);
  const store = new RunStore(root, {});
  const outputDir = join(root, 'merged');
  const record: SweepRecord = {
    schemaVersion: 1,
    sweepId: 'b-1',
    job: 'j',
    projectRoot: root,
    platform: 'local',
    accelerator: 'none',
    timeoutSeconds: 60,
    maxParallel: 1,
    metrics: null,
    overrides: {},
    outputDir: null,
    createdAt: new Date().toISOString(),
    endedAt: null,
    points: [
      {
        index: 0,
        label: 'chunk-1',
        params: {},
        kernelSlug: 'kaggle-run-j-batch-1',
        runId: null,
        status: 'skipped',
        exitCode: null,
        items: [
          { id: 'a', params: { x: 1 } },
          { id: 'b', params: { x: 2 } },
        ],
      },
    ],
    batch: { file: '/in.jsonl', perSession: 2, idField: null, itemCount: 2, outputDir },
  };
  const items = await mergeBatch(record, store);
  assert.deepEqual(
    items.map((i) => [i.id, i.status, i.runId, i.error]),
    [
      ['a', 'missing', null, 'chunk 1 did not run (skipped)'],
      ['b', 'missing', null, 'chunk 1 did not run (skipped)'],
    ],
  );
  assert.equal(summarize(items).missing.length, 2);
  const lines = (await readFile(join(outputDir, 'items.jsonl'), 'utf8')).trim().split('\n');
  assert.equal(lines.length, 2);
});
