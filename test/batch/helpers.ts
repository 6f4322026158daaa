// Shared by the batch tests: the job every batch test runs (it fails on the text "bad"), its
// inputs, and the check of a merged batch output folder.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchItemResult } from '../../src/batch/merge-items.js';
import type { RunRecord } from '../../src/run/record.js';

export const BATCH_JOB = [
  'import json, os, sys',
  'p = json.loads(os.environ["KAGGLE_RUN_PARAMS"])',
  'os.makedirs("out", exist_ok=True)',
  'open("out/result.txt", "w").write("%s:%s" % (os.environ["KAGGLE_RUN_ITEM_ID"], p["text"].upper() * p["times"]))',
  'if p["text"] == "bad":',
  '    raise SystemExit("cannot handle the bad text")',
  '',
].join('\n');

export const TEXTS = ['a', 'b', 'c', 'd', 'bad', 'f', 'g'];
/** The chunk of each of TEXTS at 3 per session: 7 items balanced over 3 sessions, 3 + 2 + 2. */
export const CHUNK_OF_TEXT = [1, 1, 1, 2, 2, 3, 3];

export interface BatchJson {
  sweepId: string;
  exitCode: number;
  points: RunRecord[];
  items: BatchItemResult[];
}

/** Checks items.jsonl, the merged folders and the per-item error, as every batch test does. */
export async function checkMerged(outputDir: string, items: BatchItemResult[]): Promise<void> {
  const lines = (await readFile(join(outputDir, 'items.jsonl'), 'utf8')).trim().split('\n');
  assert.deepEqual(
    lines.map((l) => JSON.parse(l) as BatchItemResult),
    items,
  );
  assert.deepEqual(
    items.map((i) => [i.id, i.status, i.chunk]),
    TEXTS.map((text, i) => [`k${i + 1}`, text === 'bad' ? 'error' : 'ok', CHUNK_OF_TEXT[i]]),
  );
  const bad = items[4]!;
  assert.equal(bad.exitCode, 1);
  // Per-item mode keeps the script's last stderr line; loop mode the exception's line.
  assert.match(bad.error ?? '', /^(RuntimeError: )?cannot handle the bad text$/);
  for (const [i, text] of TEXTS.entries()) {
    const id = `k${i + 1}`;
    assert.equal(
      await readFile(join(outputDir, 'items', id, 'out/result.txt'), 'utf8'),
      `${id}:${text.toUpperCase().repeat(2)}`,
    );
  }
}
