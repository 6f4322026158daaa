// What a local session sees, with and without bubblewrap, internet on and off: the probe
// kernel reports its mounts, what it may write, its inputs, the network and the host paths
// it must not see.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { startExecution } from '../../src/platform/local/executor.js';
import { interpreterFolders } from '../../src/platform/local/interpreter-folders.js';
import { resolveInterpreter } from '../../src/platform/local/python.js';
import { sandboxAvailable } from '../../src/platform/local/sandbox.js';
import {
  listenOnLoopback,
  parseProbe,
  probeSource,
  type ProbeReport,
} from '../helpers/session-probe.js';
import { tempDir } from '../helpers/temp.js';

const PYTHON = 'python3';

/** An entry of the host user's home that the interpreter does not live in, if there is one. */
async function hostHomeEntry(): Promise<string | undefined> {
  const resolved = await resolveInterpreter(PYTHON, homedir());
  const folders = await interpreterFolders(resolved?.executable ?? PYTHON);
  const home = homedir();
  return readdirSync(home)
    .map((name) => join(home, name))
    .find((path) => !folders.some((f) => f === path || f.startsWith(`${path}/`)));
}

async function probe(
  t: TestContext,
  options: { sandbox: 'bwrap' | 'none'; internet: boolean; hidden?: string[] },
): Promise<{ report: ProbeReport; dir: string; other: string; dataDir: string }> {
  const root = await tempDir(t);
  const dataDir = join(root, 'server-data');
  const other = join(root, 'other-session', 'working');
  await mkdir(other, { recursive: true });
  await writeFile(join(other, 'private.txt'), 'another session');
  await mkdir(dataDir, { recursive: true });
  const data = join(root, 'a.txt');
  await writeFile(data, 'input a');
  const home = await hostHomeEntry();
  const port = await listenOnLoopback(t);
  const dir = join(root, 'session');
  const execution = await startExecution({
    dir,
    kind: 'script',
    inputs: [{ localPath: data, target: 'datasets/me/data/a.txt' }],
    inputMap: { 'me/data': 'datasets/me/data', data: 'datasets/me/data' },
    accelerator: 'none',
    timeoutSeconds: 60,
    python: PYTHON,
    sandbox: options.sandbox,
    internet: options.internet,
    hidden: [dataDir, ...(options.hidden ?? [])],
    source: probeSource({
      port,
      // What a hidden folder holds (the folder itself stays, empty).
      forbidden: [
        dataDir,
        other,
        ...(home === undefined ? [] : [home]),
        ...(options.hidden ?? []).flatMap((h) => readdirSync(h).map((name) => join(h, name))),
      ],
    }),
  });
  const result = await execution.done;
  const log = (await execution.readLog()).map((e) => e.data).join('');
  assert.equal(result.status, 'complete', log);
  const report = parseProbe(await readFile(join(dir, 'working', 'probe.json'), 'utf8'));
  return { report, dir, other, dataDir };
}

const nothingForbidden = (report: ProbeReport) =>
  assert.deepEqual(
    Object.entries(report.forbidden).filter(([, seen]) => seen),
    [],
    'the session sees none of the forbidden paths',
  );

async function bwrapOrSkip(t: TestContext, internet: boolean): Promise<boolean> {
  if (await sandboxAvailable(process.env, internet)) return true;
  t.skip(
    `bubblewrap is missing or cannot make a sandbox${internet ? '' : ' without network'} here`,
  );
  return false;
}

void test('bubblewrap, internet off: only its /kaggle tree, system files read-only, no network', async (t) => {
  if (!(await bwrapOrSkip(t, false))) return;
  // A system folder hidden by name (as a server hides a data folder kept under /opt or /etc).
  const hidden = existsSync('/etc/ssl') && readdirSync('/etc/ssl').length > 0 ? ['/etc/ssl'] : [];
  const { report } = await probe(t, { sandbox: 'bwrap', internet: false, hidden });
  assert.equal(report.cwd, '/kaggle/working');
  assert.deepEqual(report.mounts, {
    '/kaggle/input': 'ro',
    '/kaggle/working': 'rw',
    '/kaggle/temp': 'rw',
    '/tmp': 'rw',
    '/usr': 'ro',
  });
  assert.deepEqual(report.writable, {
    '/kaggle/input': false,
    '/kaggle/working': true,
    '/kaggle/temp': true,
    '/tmp': true,
    '/usr': false,
    [homedir()]: true,
  });
  assert.equal(report.kaggleTemp, true);
  assert.deepEqual(report.inputFiles, ['datasets/me/data/a.txt']);
  assert.deepEqual(report.inputs, {
    'me/data': '/kaggle/input/datasets/me/data',
    data: '/kaggle/input/datasets/me/data',
  });
  assert.equal(report.inputsFileMatches, true);
  assert.equal(report.loopback, false, 'the host loopback is out of reach');
  assert.deepEqual(report.interfaces, ['lo']);
  nothingForbidden(report);
  assert.deepEqual(report.tmp, [], 'a private, empty /tmp');
  assert.deepEqual(report.env, {
    HOME: homedir(),
    TMPDIR: '/tmp',
    KAGGLE_RUN_SANDBOX: 'bwrap',
    KAGGLE_RUN_INPUT_DIR: '/kaggle/input',
    KAGGLE_RUN_WORKING_DIR: '/kaggle/working',
    KAGGLE_RUN_TEMP_DIR: '/kaggle/temp',
    KAGGLE_KEY: null,
    KAGGLE_USERNAME: null,
    KAGGLE_API_TOKEN: null,
  });
});

void test('bubblewrap, internet on: the host network stays, isolation does too', async (t) => {
  if (!(await bwrapOrSkip(t, true))) return;
  const { report } = await probe(t, { sandbox: 'bwrap', internet: true });
  assert.equal(report.loopback, true, 'the host loopback is reachable');
  assert.ok(report.interfaces.includes('lo'));
  assert.equal(report.mounts['/kaggle/input'], 'ro');
  assert.equal(report.kaggleTemp, true);
  nothingForbidden(report);
  assert.deepEqual(report.tmp, []);
});

void test('without bubblewrap: the documented variables name the session folders', async (t) => {
  const { report, dir } = await probe(t, { sandbox: 'none', internet: false });
  assert.equal(report.cwd, join(dir, 'working'));
  assert.equal(report.kaggleTemp, existsSync('/kaggle/temp'));
  assert.deepEqual(report.env, {
    HOME: process.env.HOME ?? null,
    TMPDIR: join(dir, 'tmp'),
    KAGGLE_RUN_SANDBOX: 'none',
    KAGGLE_RUN_INPUT_DIR: join(dir, 'input'),
    KAGGLE_RUN_WORKING_DIR: join(dir, 'working'),
    KAGGLE_RUN_TEMP_DIR: join(dir, 'temp'),
    KAGGLE_KEY: null,
    KAGGLE_USERNAME: null,
    KAGGLE_API_TOKEN: null,
  });
  assert.equal(report.writable[join(dir, 'working')], true);
  assert.deepEqual(report.inputFiles, ['datasets/me/data/a.txt']);
  assert.deepEqual(report.inputs, {
    'me/data': join(dir, 'input', 'datasets', 'me', 'data'),
    data: join(dir, 'input', 'datasets', 'me', 'data'),
  });
  assert.equal(report.inputsFileMatches, true);
  // Nothing isolates it: what differs is said, not hidden (see the server's fallback note).
  assert.equal(report.loopback, true);
});
