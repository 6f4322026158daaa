// A local run stopped by a signal ends its record the same way whichever signal it was.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';
import { packageRoot } from '../../src/util/package-root.js';
import { copyExample } from '../helpers/cli.js';

const ENDLESS = 'import time\nprint("tick", flush=True)\nwhile True:\n    time.sleep(0.1)\n';

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  void test(
    `${signal} on a local run: exit 130, the record ends cancelled`,
    { timeout: 120_000 },
    async (t) => {
      const dir = await copyExample(t, 'hello');
      await writeFile(join(dir, 'train.py'), ENDLESS);
      const child = spawn(
        process.execPath,
        [join(packageRoot(), 'bin', 'kaggle-run.js'), 'run', dir],
        {
          env: { ...process.env, CI: 'true', KAGGLE_RUN_NO_SANDBOX: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      await new Promise<void>((resolve) => {
        let stdout = '';
        child.stdout.on('data', (c: Buffer) => {
          stdout += c.toString();
          if (stdout.includes('tick')) resolve();
        });
      });
      child.kill(signal);
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 130, stderr);
      const runId = /run (\S+):/.exec(stderr)?.[1];
      assert.ok(runId, stderr);
      const record = JSON.parse(
        await readFile(join(dir, '.kaggle-run', 'runs', runId, 'run.json'), 'utf8'),
      ) as RunRecord;
      assert.equal(record.status, 'cancelled');
      assert.equal(record.error?.kind, 'interrupted');
      assert.notEqual(record.endedAt, null);
    },
  );
}
