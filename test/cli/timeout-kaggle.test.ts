// A job that runs past its timeout on `kaggle-run server` (Kaggle's wire protocol): the
// harness's deadline fires before the session's, so the run ends as `timeout`, exit 4, with
// its manifest and partial outputs, for scripts and notebooks alike.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { RunRecord } from '../../src/run/record.js';
import { kaggleEnv, startTestServer } from '../server/helpers.js';
import { notebookPython, runCli } from '../helpers/cli.js';
import { savedByNbformat } from '../helpers/notebook.js';
import { tempDir } from '../helpers/temp.js';

const python = await notebookPython();

async function runPastTimeout(t: TestContext, entry: string, source: string): Promise<RunRecord> {
  const dir = await tempDir(t);
  await writeFile(join(dir, entry), source);
  await writeFile(join(dir, 'kaggle-run.yaml'), `entry: ${entry}\ntimeout: 4s\n`);
  const server = await startTestServer(t);
  const env = {
    ...(await kaggleEnv(t)),
    ...(python === undefined ? {} : { KAGGLE_RUN_PYTHON: python }),
  };
  const result = await runCli(['run', dir, '--kaggle', '--endpoint', server.url, '--json'], {
    env,
  });
  assert.equal(result.code, 4, result.stderr);
  const record = JSON.parse(result.stdout) as RunRecord;
  assert.equal(record.status, 'timeout');
  assert.equal(record.error?.kind, 'timeout');
  assert.match(record.error?.message ?? '', /ran past the job's timeout of 4 s/);
  // The code is not an output: the manifest says which files the program made.
  assert.ok(!record.outputs.some((o) => o.path === entry), JSON.stringify(record.outputs));
  assert.equal(await readFile(join(record.outputDir, 'partial.txt'), 'utf8'), 'half');
  return record;
}

void test('a script past its timeout on the server: timeout, exit 4, partial outputs', async (t) => {
  await runPastTimeout(
    t,
    'train.py',
    'import time\nopen("partial.txt", "w").write("half")\nprint("sleeping", flush=True)\ntime.sleep(120)\n',
  );
});

void test(
  'a notebook past its timeout on the server: timeout, exit 4, the notebook as far as it got',
  { skip: python === undefined ? 'no python with nbclient + ipykernel here' : false },
  async (t) => {
    const nb = savedByNbformat(python!, [
      { source: 'open("partial.txt", "w").write("half")\nprint("first cell done")' },
      { source: 'import time\ntime.sleep(120)' },
      { source: 'open("never.txt", "w").write("x")' },
    ]);
    const record = await runPastTimeout(t, 'nb.ipynb', nb);
    const executed = JSON.parse(
      await readFile(join(record.outputDir, 'nb.executed.ipynb'), 'utf8'),
    ) as {
      cells: { outputs?: { text?: string[] }[] }[];
      metadata: { kaggle_run?: { status?: string } };
    };
    assert.deepEqual(executed.cells[0]?.outputs?.[0]?.text, ['first cell done\n']);
    assert.equal(executed.metadata.kaggle_run?.status, 'timeout');
    assert.ok(!record.outputs.some((o) => o.path === 'never.txt'));
  },
);
