// A copy of examples/hello pushed with --detach to a `kaggle-run server`, for the tests that
// pick a run up in a later command (attach, logs -f, status), and the check that such a run's
// outputs were fetched and verified.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { RunRecord } from '../../src/run/record.js';
import type { ServerHandle } from '../../src/server/server.js';
import { sha256Hex } from '../../src/util/hash.js';
import { kaggleEnv, startTestServer } from '../server/helpers.js';
import { copyExample, runCli } from './cli.js';

/** A program that prints `tick 0` .. `tick N-1` half a second apart, then writes results/done.txt. */
export function ticksProgram(ticks: number, result = 'done'): string {
  return `import os, time\nfor i in range(${ticks}):\n    print("tick", i, flush=True)\n    time.sleep(0.5)\nos.makedirs("results", exist_ok=True)\nopen("results/done.txt", "w").write(${JSON.stringify(result)})\n`;
}

export interface DetachedRun {
  server: ServerHandle;
  dir: string;
  env: NodeJS.ProcessEnv;
  /** The record `run --detach --json` printed. */
  record: RunRecord;
}

/** Pushes the hello project (its train.py replaced by `program` when given) and returns. */
export async function startDetachedRun(t: TestContext, program?: string): Promise<DetachedRun> {
  const server = await startTestServer(t);
  const dir = await copyExample(t, 'hello');
  if (program !== undefined) await writeFile(join(dir, 'train.py'), program);
  const env = await kaggleEnv(t);
  const detached = await runCli(
    ['run', dir, '--kaggle', '--endpoint', server.url, '--detach', '--json'],
    { env },
  );
  assert.equal(detached.code, 0, detached.stderr);
  return { server, dir, env, record: JSON.parse(detached.stdout) as RunRecord };
}

/** The run's one output, results/done.txt, is in its record and on disk with that hash. */
export async function assertDoneFetched(record: RunRecord): Promise<void> {
  assert.deepEqual(
    record.outputs.map((o) => o.path),
    ['results/done.txt'],
  );
  assert.equal(
    sha256Hex(await readFile(join(record.outputDir, 'results/done.txt'))),
    record.outputs[0]?.sha256,
  );
}
