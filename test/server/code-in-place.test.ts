// `code: dataset` on `kaggle-run server`: the session finds the code zip extracted in its
// read-only input (as on Kaggle) and runs it in place: big top-level folders are linked into
// the working folder, small ones and top-level files are copied. The program still behaves
// as if its code were local: relative reads, imports, __file__, new files in its cwd, a
// rewritten top-level file, and a write into a small shipped folder. Where the input is
// writable (no sandbox: inputs are hard links to the stored dataset) everything is copied.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';
import { sandboxAvailable } from '../../src/platform/local/sandbox.js';
import { runCli } from '../helpers/cli.js';
import { ME, kaggleEnv, startTestServer, tempDir } from './helpers.js';

const PROGRAM = `
import json, os, sys
from lib.pkg0 import mod0                      # an import from a linked folder
here = os.path.dirname(os.path.abspath(__file__))
report = {
    "mod0": mod0.VALUE,
    "relative": open("lib/pkg1/mod1.py").read().strip(),
    "viaFile": open(os.path.join(here, "notes.txt")).read().strip(),
    "libIsLink": os.path.islink("lib"),
    "outputsIsLink": os.path.islink("outputs"),
}
open("notes.txt", "w").write("rewritten\\n")            # a shipped top-level file, changed
open("outputs/result.txt", "w").write("made\\n")       # a new file in a small shipped folder
try:
    open("lib/new.txt", "w").write("x")
    report["writeIntoLinked"] = "written"
except OSError as error:
    report["writeIntoLinked"] = type(error).__name__
open("report.json", "w").write(json.dumps(report))
print("first line")
`;

async function project(t: TestContext, extraSpec = ''): Promise<string> {
  const dir = await tempDir(t);
  // lib/: 120 modules, over the size below which a folder is copied.
  for (let i = 0; i < 120; i++) {
    await mkdir(join(dir, 'lib', `pkg${i % 4}`), { recursive: true });
    await writeFile(join(dir, 'lib', `pkg${i % 4}`, `mod${i}.py`), `VALUE = ${i}\n`);
  }
  for (let i = 0; i < 4; i++) await writeFile(join(dir, 'lib', `pkg${i}`, '__init__.py'), '');
  await writeFile(join(dir, 'lib', '__init__.py'), '');
  await mkdir(join(dir, 'outputs'));
  await writeFile(join(dir, 'outputs', '.keep'), '');
  await writeFile(join(dir, 'notes.txt'), 'shipped\n');
  await writeFile(join(dir, 'train.py'), PROGRAM);
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    `name: inplace\nentry: train.py\ncode: dataset\n${extraSpec}`,
  );
  return dir;
}

async function runOn(t: TestContext, sandbox: 'bwrap' | 'none', extraSpec = '') {
  const server = await startTestServer(t, { sandbox, accounts: [ME], datasetReadyDelayMs: 0 });
  const dir = await project(t, extraSpec);
  const result = await runCli(['run', dir, '--kaggle', '--endpoint', server.url, '--json'], {
    env: await kaggleEnv(t),
  });
  assert.equal(result.code, 0, result.stderr);
  const record = JSON.parse(result.stdout) as RunRecord;
  const report = JSON.parse(
    await readFile(join(record.outputDir, 'report.json'), 'utf8'),
  ) as Record<string, unknown>;
  const outputs = (await readdir(record.outputDir, { recursive: true })).sort();
  return { server, record, report, outputs, stdout: result.stderr };
}

void test('in a read-only input the code runs in place: big folders linked, the program behaves as if local', async (t) => {
  if (!(await sandboxAvailable(process.env, true))) {
    t.skip('bubblewrap is missing or cannot make a sandbox here');
    return;
  }
  const { report, outputs, record } = await runOn(t, 'bwrap');
  assert.deepEqual(report, {
    mod0: 0,
    relative: 'VALUE = 1',
    viaFile: 'shipped',
    libIsLink: true,
    outputsIsLink: false,
    // As writing under /kaggle/input fails on Kaggle.
    writeIntoLinked: 'OSError',
  });
  assert.equal(await readFile(join(record.outputDir, 'notes.txt'), 'utf8'), 'rewritten\n');
  assert.equal(await readFile(join(record.outputDir, 'outputs', 'result.txt'), 'utf8'), 'made\n');
  // Only what the program made or changed comes back: no link, no unchanged code.
  assert.ok(!outputs.some((p) => p.startsWith('lib')), outputs.join());
  assert.ok(!outputs.includes('train.py'), outputs.join());
  assert.equal(typeof record.timings?.unpackSeconds, 'number');
});

void test('code_in_place: false copies the code whole even from a read-only input, so every shipped folder is writable', async (t) => {
  if (!(await sandboxAvailable(process.env, true))) {
    t.skip('bubblewrap is missing or cannot make a sandbox here');
    return;
  }
  const { report, outputs, record } = await runOn(t, 'bwrap', 'code_in_place: false\n');
  assert.equal(report.libIsLink, false);
  assert.equal(report.writeIntoLinked, 'written');
  assert.equal(report.mod0, 0);
  // The new file is an output; the unchanged copies are not.
  assert.ok(outputs.includes(join('lib', 'new.txt')), outputs.join());
  assert.ok(!outputs.includes(join('lib', 'pkg0', 'mod0.py')), outputs.join());
  assert.equal(await readFile(join(record.outputDir, 'lib', 'new.txt'), 'utf8'), 'x');
});

void test('in a writable input (no sandbox) the code is copied, and the stored dataset stays as shipped', async (t) => {
  const { report, server } = await runOn(t, 'none');
  assert.equal(report.libIsLink, false);
  assert.equal(report.writeIntoLinked, 'written');
  // The program rewrote notes.txt in its working folder; the dataset's copy is unchanged.
  const stored = join(server.dataDir, 'datasets', 'me', 'kaggle-run-inplace-code');
  const [version] = await readdir(stored);
  const [folder] = (await readdir(join(stored, version ?? ''))).filter((n) => !n.endsWith('.zip'));
  assert.equal(
    await readFile(join(stored, version ?? '', folder ?? '', 'notes.txt'), 'utf8'),
    'shipped\n',
  );
});

void test('the folder holding the entry is copied, however big: a notebook is saved beside its entry', async (t) => {
  if (!(await sandboxAvailable(process.env, true))) {
    t.skip('bubblewrap is missing or cannot make a sandbox here');
    return;
  }
  const server = await startTestServer(t, {
    sandbox: 'bwrap',
    accounts: [ME],
    datasetReadyDelayMs: 0,
  });
  const dir = await project(t);
  await mkdir(join(dir, 'nb'));
  for (let i = 0; i < 120; i++) await writeFile(join(dir, 'nb', `part${i}.txt`), `${i}\n`);
  await writeFile(
    join(dir, 'nb', 'run.py'),
    'import os\nopen("where.txt", "w").write("%s %s" % (os.path.islink("nb"), os.path.islink("lib")))\n',
  );
  await writeFile(join(dir, 'kaggle-run.yaml'), 'name: inplace\nentry: nb/run.py\ncode: dataset\n');
  const result = await runCli(['run', dir, '--kaggle', '--endpoint', server.url, '--json'], {
    env: await kaggleEnv(t),
  });
  assert.equal(result.code, 0, result.stderr);
  const record = JSON.parse(result.stdout) as RunRecord;
  assert.equal(await readFile(join(record.outputDir, 'where.txt'), 'utf8'), 'False True');
});
