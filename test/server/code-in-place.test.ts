// `code: dataset` on `kaggle-run server`: the session finds the code zip extracted in its
// read-only input (as on Kaggle) and runs it in place: big top-level folders are linked into
// the working folder, small ones and top-level files are copied. The program still behaves
// as if its code were local: relative reads, imports, __file__, new files in its cwd, a
// rewritten top-level file, and a write into a small shipped folder. Where the input is
// writable (no sandbox: inputs are hard links to the stored dataset) everything is copied.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
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

const REPORT_INODES = `
import json, os
from lib.pkg0 import mod0
files = ["lib/pkg2/mod2.py", "lib/pkg3/mod3.py", "train.py"]
open("inodes.json", "w").write(json.dumps({
    "inodes": {f: os.stat(f).st_ino for f in files},
    "mod0": mod0.VALUE,
    "mod1": os.path.exists("lib/pkg1/mod1.py"),
    "toolMode": oct(os.stat("tool.sh").st_mode & 0o777),
}))
print("first line")
`;

/** Every file under `folder` and its inode number. */
async function inodesUnder(folder: string): Promise<Map<string, number>> {
  const names = await readdir(folder, { recursive: true });
  const inodes = new Map<string, number>();
  for (const name of names) {
    const info = await lstat(join(folder, name));
    if (info.isFile()) inodes.set(name, info.ino);
  }
  return inodes;
}

void test('no sandbox: the next session writes over the copies the last one kept (no file made or deleted for unchanged code), and gets the new code exactly', async (t) => {
  const server = await startTestServer(t, {
    sandbox: 'none',
    accounts: [ME],
    datasetReadyDelayMs: 0,
  });
  const dir = await project(t);
  await writeFile(join(dir, 'train.py'), REPORT_INODES);
  await writeFile(join(dir, 'tool.sh'), '#!/bin/sh\n', { mode: 0o755 });
  const env = await kaggleEnv(t);
  const run = async () => {
    const result = await runCli(['run', dir, '--kaggle', '--endpoint', server.url, '--json'], {
      env,
    });
    assert.equal(result.code, 0, result.stderr);
    const record = JSON.parse(result.stdout) as RunRecord;
    const report = JSON.parse(await readFile(join(record.outputDir, 'inodes.json'), 'utf8')) as {
      inodes: Record<string, number>;
      mod0: number;
      mod1: boolean;
      toolMode: string;
    };
    const log = await readFile(join(record.outputDir, 'kaggle-run.log'), 'utf8');
    return { record, report, log };
  };
  const first = await run();
  assert.match(first.log, /copied \d+ files \([^)]*, 0 written over the last session's copies\)/);
  const pool = join(server.dataDir, 'kernels', 'me', 'kaggle-run-inplace', 'kept-code');
  const kept = await inodesUnder(pool);
  // The unchanged copies were kept, not deleted, and are not outputs.
  assert.equal(kept.get(join('lib', 'pkg2', 'mod2.py')), first.report.inodes['lib/pkg2/mod2.py']);
  assert.ok(kept.has('train.py'), [...kept.keys()].join());
  assert.equal(existsSync(join(first.record.outputDir, 'lib')), false);

  // The code changes: a module rewritten, one removed, an executable bit dropped.
  await writeFile(join(dir, 'lib', 'pkg0', 'mod0.py'), 'VALUE = 1000\n');
  await rm(join(dir, 'lib', 'pkg1', 'mod1.py'));
  await chmod(join(dir, 'tool.sh'), 0o644);
  const second = await run();
  const files = kept.size; // every kept copy but the removed module was taken
  assert.match(second.log, new RegExp(`, ${files - 1} written over the last session's copies\\)`));
  // The same inodes: written over, not made anew.
  assert.deepEqual(second.report.inodes, {
    'lib/pkg2/mod2.py': kept.get(join('lib', 'pkg2', 'mod2.py')),
    'lib/pkg3/mod3.py': kept.get(join('lib', 'pkg3', 'mod3.py')),
    'train.py': kept.get('train.py'),
  });
  assert.equal(second.report.mod0, 1000);
  assert.equal(second.report.mod1, false);
  assert.equal(second.report.toolMode, '0o644');
  // The removed module's old copy is gone from what is kept for the third session.
  const keptAgain = await inodesUnder(pool);
  assert.equal(keptAgain.has(join('lib', 'pkg1', 'mod1.py')), false);
  assert.equal(keptAgain.size, files - 1);
});
