// A notebook's progress through the real CLI in every output mode: `cell i/N: <first line>`
// before each code cell and `cell i/N took S s` after it, in order, in a live terminal (a
// real pseudo-terminal), in plain lines, beside `--json` (stdout stays the record alone) and
// as `--events` log events.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunRecord } from '../../src/run/record.js';
import { packageRoot } from '../../src/util/package-root.js';
import { notebookPython, runCli } from '../helpers/cli.js';
import { savedByNbformat } from '../helpers/notebook.js';
import { tempDir } from '../helpers/temp.js';

const python = await notebookPython();
/** Each run starts a notebook kernel: generous for a loaded machine, still bounded. */
const LIMIT_MS = 300_000;
const skip = python === undefined ? 'no python with nbclient + ipykernel here' : false;

/** The progress lines a run of the notebook below must show, in this order. */
const PROGRESS = [
  /\[kaggle-run\] cell 1\/3: first = 1$/,
  /\[kaggle-run\] cell 1\/3 took \d+\.\d s$/,
  /\[kaggle-run\] cell 2\/3: # the second cell$/,
  /\[kaggle-run\] cell 2\/3 took \d+\.\d s$/,
  /\[kaggle-run\] cell 3\/3: print\("done", first\)$/,
  /\[kaggle-run\] cell 3\/3 took \d+\.\d s$/,
];

function assertProgress(text: string, mode: string): void {
  // eslint-disable-next-line no-control-regex
  const lines = text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split(/\r?\n|\r/);
  let at = 0;
  for (const pattern of PROGRESS) {
    const found = lines.findIndex((line, i) => i >= at && pattern.test(line.trimEnd()));
    assert.ok(found >= 0, `${mode}: no line matching ${String(pattern)} in order:\n${text}`);
    at = found + 1;
  }
}

async function project(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const dir = await tempDir(t);
  await writeFile(
    join(dir, 'nb.ipynb'),
    savedByNbformat(python!, [
      { source: 'first = 1\nsecond = 2' },
      { source: 'the notes', markdown: true },
      { source: '# the second cell\nx = first + 1' },
      { source: 'print("done", first)' },
    ]),
  );
  await writeFile(join(dir, 'kaggle-run.yaml'), 'entry: nb.ipynb\n');
  return dir;
}

/** The CLI in a pseudo-terminal (Python's pty module), as a user at a terminal runs it. */
function runInTerminal(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string }> {
  const bin = join(packageRoot(), 'bin', 'kaggle-run.js');
  const terminalEnv: NodeJS.ProcessEnv = { ...process.env, ...env, TERM: 'xterm', COLUMNS: '200' };
  delete terminalEnv.CI;
  const child = spawn(
    python!,
    [
      '-c',
      'import os, pty, sys\nsys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))',
      process.execPath,
      bin,
      ...args,
    ],
    { env: terminalEnv, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out });
    }),
  );
}

void test(
  'notebook progress: cell i/N with its first line and its time, in every output mode',
  { skip },
  async (t) => {
    const dir = await project(t);
    const env = { KAGGLE_RUN_PYTHON: python! };

    const terminal = await runInTerminal(['run', dir], env);
    assert.equal(terminal.code, 0, terminal.out);
    // A live terminal: the renderer's own header, not the plain one.
    assert.match(terminal.out, /kaggle-run\S* nb\.ipynb/);
    assertProgress(terminal.out, 'terminal');

    const plain = await runCli(['run', dir], { env, timeoutMs: LIMIT_MS });
    assert.equal(plain.code, 0, plain.stderr);
    assertProgress(plain.stdout + plain.stderr, 'plain');

    const json = await runCli(['run', dir, '--json'], { env, timeoutMs: LIMIT_MS });
    assert.equal(json.code, 0, json.stderr);
    assertProgress(json.stderr, '--json (stderr)');
    assert.equal((JSON.parse(json.stdout) as RunRecord).status, 'complete');

    const events = await runCli(['run', dir, '--events'], { env, timeoutMs: LIMIT_MS });
    assert.equal(events.code, 0, events.stderr);
    const logText = events.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; text?: string })
      .filter((e) => e.type === 'log')
      .map((e) => e.text ?? '')
      .join('');
    assertProgress(logText, '--events (log events)');
  },
);
