import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startExecution, adoptExecution } from '../../src/platform/local/executor.js';
import { tempDir } from '../helpers/temp.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { logLines } from '../helpers/log-lines.js';
import { logRecords } from '../../src/platform/log-records.js';

const base = {
  kind: 'script' as const,
  inputs: [],
  accelerator: 'none' as const,
  timeoutSeconds: 30,
  sandbox: 'none' as const,
  python: '/usr/bin/python3',
  persistent: true,
};

void test('a persistent kernel runs with site-packages although its wrapper does not load them', async (t) => {
  const execution = await startExecution({
    ...base,
    dir: await tempDir(t),
    source: 'import sys; print(sys.flags.no_site, "site" in sys.modules)',
  });
  const lines: string[] = [];
  for await (const entry of execution.follow()) lines.push(...logRecords(entry.data));
  assert.deepEqual(lines, ['0 True\n']);
  assert.equal((await execution.done).status, 'complete');
});

void test('a follower that adopted a run sees it end, with the whole log and its exit code', async (t) => {
  const dir = await tempDir(t);
  const source = [
    'import os, sys, time',
    'print("before")',
    'sys.stdout.flush()',
    "while not os.path.exists('go'):",
    '    time.sleep(0.02)',
    'print("after")',
    'sys.exit(3)',
  ].join('\n');
  const first = await startExecution({ ...base, dir, source });
  for await (const entry of first.follow()) if (logRecords(entry.data).includes('before\n')) break;
  first.detach?.();
  const adopted = await adoptExecution({
    dir,
    startedAt: new Date().toISOString(),
    timeoutSeconds: 30,
  });
  assert.ok(adopted !== undefined);
  await writeFile(join(dir, 'working', 'go'), '');
  const result = await adopted.done;
  assert.deepEqual({ status: result.status, code: result.exitCode }, { status: 'error', code: 3 });
  assert.deepEqual(logLines(await adopted.readLog()), ['before\n', 'after\n']);
});
