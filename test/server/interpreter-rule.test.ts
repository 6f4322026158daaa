// `kaggle-run server` kernels choose their interpreter by the rule local runs follow: with
// no --python and no KAGGLE_RUN_PYTHON, the first `python3` on PATH runs scripts, and a
// notebook, which needs nbclient, runs with the first candidate that has it, its log saying
// that scripts and notebooks run under different Pythons.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { parsePersistedLog } from '../../src/kaggle/log-entry.js';
import { packageRoot } from '../../src/util/package-root.js';
import { ME, PYTHON, push, rpc, scriptPush, tempDir } from './helpers.js';
import { runCli } from '../helpers/cli.js';
import { savedByNbformat } from '../helpers/notebook.js';

const execFileP = promisify(execFile);

/** Waits for a terminal status; bounded, generous for a loaded machine's notebook start. */
async function ended(server: { url: string }, slug: string): Promise<string> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const result = await rpc(server, 'GetKernelSessionStatus', {
      userName: 'me',
      kernelSlug: slug,
    });
    const status = result.body.status as string;
    if (['COMPLETE', 'ERROR', 'CANCEL_ACKNOWLEDGED'].includes(status)) return status;
    assert.ok(Date.now() < deadline, `${slug} did not end: ${status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const SHOW = "import sys\nprint('executable', sys.executable)";

void test('server kernels: scripts run with python3 on PATH, a notebook with a Python that has nbclient, and says so', async (t) => {
  const dir = await tempDir(t);
  // A real Python without the system's packages (so without nbclient), first on PATH.
  const venv = join(dir, 'venv');
  await execFileP(PYTHON, ['-m', 'venv', '--without-pip', venv]);
  const venvPython = join(venv, 'bin', 'python3');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${join(venv, 'bin')}:${process.env.PATH ?? ''}`,
    KAGGLE_USERNAME: ME.username,
    KAGGLE_KEY: ME.key,
  };
  delete env.KAGGLE_RUN_PYTHON;
  const dataDir = join(dir, 'data');
  const child = spawn(
    process.execPath,
    [join(packageRoot(), 'bin', 'kaggle-run.js'), 'server', '--port', '0', '--data-dir', dataDir],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.after(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^listening on (\S+)/.exec(line);
      if (m) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error('the server exited before listening')));
  });
  const server = { url };
  await push(server, scriptPush('which-script', SHOW));
  await push(server, {
    ...scriptPush('which-notebook', ''),
    kernelType: 'notebook',
    text: JSON.stringify({
      cells: [
        { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: SHOW },
      ],
      metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } },
      nbformat: 4,
      nbformat_minor: 5,
    }),
  });
  assert.equal(await ended(server, 'which-script'), 'COMPLETE');
  assert.equal(await ended(server, 'which-notebook'), 'COMPLETE');
  const log = async (slug: string) =>
    parsePersistedLog(await readFile(join(dataDir, 'kernels', 'me', slug, 'meta', '1.log'), 'utf8'))
      .map((e) => e.data)
      .join('');

  const script = await log('which-script');
  assert.match(script, new RegExp(`^executable ${venvPython}$`, 'm'));
  assert.doesNotMatch(script, /nbclient/);
  const notebook = await log('which-notebook');
  const shown = /^executable (.+)$/m.exec(notebook)?.[1];
  assert.ok(shown !== undefined && shown !== venvPython, notebook);
  assert.ok(!shown.startsWith(venv), shown);
  assert.match(
    notebook,
    new RegExp(
      `^kaggle-run: python3 \\(${venvPython}\\) has no nbclient/ipykernel; this notebook runs with \\S+ \\(${shown}\\), scripts with python3`,
      'm',
    ),
  );

  // A notebook job through `kaggle-run run --kaggle` reaches the server as a script kernel
  // (the harness) that runs the notebook: it gets the notebook's interpreter too, as the
  // same job run locally would.
  const project = join(dir, 'nb-project');
  await mkdir(project);
  await writeFile(
    join(project, 'analysis.ipynb'),
    savedByNbformat(PYTHON, [
      { source: 'scale = 1', tags: ['parameters'] },
      { source: 'import sys\nprint("ran with", sys.executable, scale)' },
    ]),
  );
  await writeFile(
    join(project, 'kaggle-run.yaml'),
    'name: nb-through-server\nentry: analysis.ipynb\nparams: {scale: 1}\n',
  );
  const run = await runCli(['run', project, '--kaggle', '--endpoint', url, '-p', 'scale=3'], {
    env,
    timeoutMs: 300_000,
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /has no nbclient\/ipykernel; this notebook runs with /);
  assert.match(run.stderr, /output analysis\.executed\.ipynb .*verified/);
});
