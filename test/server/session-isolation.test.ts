// What a `kaggle-run server` session sees, for a job pushed by kaggle-run and for a plain
// kernel folder pushed as `kaggle kernels push` does, internet on and off: the probe kernel
// reports its mounts, inputs (in the current layout, with KAGGLE_RUN_INPUTS), the network and
// the host paths it must not see (the data folder, another session, the host's home).

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';
import { sandboxAvailable } from '../../src/platform/local/sandbox.js';
import { packageRoot } from '../../src/util/package-root.js';
import { copyExample, runCli } from '../helpers/cli.js';
import {
  listenOnLoopback,
  parseProbe,
  probeSource,
  type ProbeReport,
} from '../helpers/session-probe.js';
import {
  ME,
  kaggleEnv,
  listAllOutput,
  push,
  scriptPush,
  startTestServer,
  tempDir,
  waitForEnd,
  runScriptKernel,
} from './helpers.js';
import { createDataset } from './dataset-helpers.js';
import type { ServerHandle } from '../../src/server/server.js';

async function bwrapOrSkip(t: TestContext, internet: boolean): Promise<boolean> {
  if (await sandboxAvailable(process.env, internet)) return true;
  t.skip(
    `bubblewrap is missing or cannot make a sandbox${internet ? '' : ' without network'} here`,
  );
  return false;
}

/** A server in bubblewrap with one finished kernel whose folder others must not see. */
async function sandboxedServer(t: TestContext): Promise<{ server: ServerHandle; other: string }> {
  const server = await startTestServer(t, {
    sandbox: 'bwrap',
    accounts: [ME],
    datasetReadyDelayMs: 0,
  });
  await push(server, scriptPush('other-session', "open('private.txt', 'w').write('mine')"));
  assert.deepEqual(await waitForEnd(server, 'other-session'), { status: 'COMPLETE' });
  const other = join(server.dataDir, 'kernels', 'me', 'other-session', '1', 'working');
  return { server, other };
}

/** The sessions run /usr/bin/python3 (helpers.ts): nothing of the home folder is bound. */
function forbidden(server: ServerHandle, other: string): string[] {
  const home = readdirSync(homedir()).map((name) => join(homedir(), name));
  return [server.dataDir, join(other, 'private.txt'), join(server.dataDir, 'server.json'), ...home];
}

function assertIsolated(report: ProbeReport, internet: boolean): void {
  assert.equal(report.cwd, '/kaggle/working');
  assert.equal(report.mounts['/kaggle/input'], 'ro');
  assert.equal(report.mounts['/usr'], 'ro');
  assert.equal(report.writable['/kaggle/working'], true);
  assert.equal(report.writable['/kaggle/temp'], true);
  assert.equal(report.writable['/kaggle/input'], false);
  assert.equal(report.kaggleTemp, true);
  assert.equal(report.loopback, internet, `host loopback reachable: ${String(internet)}`);
  if (!internet) assert.deepEqual(report.interfaces, ['lo']);
  assert.deepEqual(
    Object.entries(report.forbidden).filter(([, seen]) => seen),
    [],
  );
  assert.deepEqual(report.tmp, []);
  assert.equal(report.env.KAGGLE_KEY, null);
  assert.equal(report.env.KAGGLE_RUN_SANDBOX, 'bwrap');
}

for (const internet of [false, true]) {
  void test(`a job pushed by kaggle-run (internet ${internet ? 'on' : 'off'}): code and data found in the current layout, session isolated`, async (t) => {
    if (!(await bwrapOrSkip(t, internet))) return;
    const { server, other } = await sandboxedServer(t);
    const port = await listenOnLoopback(t);
    const dir = await copyExample(t, 'hello');
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(join(dir, 'data', 'rows.csv'), 'a,b\n1,2\n');
    await writeFile(
      join(dir, 'train.py'),
      probeSource({ port, forbidden: forbidden(server, other) }),
    );
    await writeFile(
      join(dir, 'kaggle-run.yaml'),
      `name: probe\nentry: train.py\ncode: dataset\ninternet: ${internet}\ndata: {probe-data: data}\n`,
    );
    const result = await runCli(['run', dir, '--kaggle', '--endpoint', server.url, '--json'], {
      env: await kaggleEnv(t),
    });
    assert.equal(result.code, 0, result.stderr);
    const record = JSON.parse(result.stdout) as RunRecord;
    const report = parseProbe(await readFile(join(record.outputDir, 'probe.json'), 'utf8'));
    assertIsolated(report, internet);
    assert.ok(
      report.inputFiles.includes('datasets/me/probe-data/rows.csv'),
      report.inputFiles.join(),
    );
    // The code zip, unpacked by the server as Kaggle unpacks archives: the harness found it.
    assert.ok(
      report.inputFiles.some((f) =>
        /^datasets\/me\/kaggle-run-probe-code\/code-[0-9a-f]+\/train\.py$/.test(f),
      ),
      report.inputFiles.join(),
    );
    assert.equal(report.inputs?.['probe-data'], '/kaggle/input/datasets/me/probe-data');
    assert.equal(report.inputs['me/probe-data'], '/kaggle/input/datasets/me/probe-data');
    assert.equal(report.inputsFileMatches, true);
  });

  void test(`a plain kernel folder (internet ${internet ? 'on' : 'off'}): sees its dataset at datasets/<owner>/<slug>/ and nothing else`, async (t) => {
    if (!(await bwrapOrSkip(t, internet))) return;
    const { server, other } = await sandboxedServer(t);
    await createDataset(server, 'plain-data', { 'table.csv': 'x\n1\n' });
    const port = await listenOnLoopback(t);
    const dir = await tempDir(t);
    await writeFile(
      join(dir, 'probe.py'),
      probeSource({ port, forbidden: forbidden(server, other) }),
    );
    await writeFile(
      join(dir, 'kernel-metadata.json'),
      JSON.stringify({
        id: 'me/plain-probe',
        title: 'Plain Probe',
        code_file: 'probe.py',
        language: 'python',
        kernel_type: 'script',
        is_private: true,
        enable_internet: internet,
        dataset_sources: ['me/plain-data'],
      }),
    );
    const result = await runCli(['push', dir, '--endpoint', server.url, '--json'], {
      env: await kaggleEnv(t),
    });
    assert.equal(result.code, 0, result.stderr);
    const report = parseProbe(await readFile(join(dir, 'output', 'probe.json'), 'utf8'));
    assertIsolated(report, internet);
    assert.deepEqual(report.inputFiles, ['datasets/me/plain-data/table.csv']);
    assert.deepEqual(report.inputs, {
      'me/plain-data': '/kaggle/input/datasets/me/plain-data',
      'plain-data': '/kaggle/input/datasets/me/plain-data',
    });
  });
}

void test('without bubblewrap: several accounts are refused unless --trusted-user; the log says what differs', async (t) => {
  const dir = await tempDir(t);
  const accounts = join(dir, 'accounts.json');
  await writeFile(accounts, JSON.stringify([ME, { username: 'other', key: 'other-key-4567' }]));
  const env = { KAGGLE_RUN_NO_SANDBOX: '1' };
  const refused = await runCli(['server', '--accounts', accounts, '--data-dir', join(dir, 'a')], {
    env,
  });
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /will not serve 2 accounts: bubblewrap is not usable here/);
  assert.match(refused.stderr, /--trusted-user/);

  const child = spawn(
    process.execPath,
    [
      join(packageRoot(), 'bin', 'kaggle-run.js'),
      'server',
      '--accounts',
      accounts,
      '--trusted-user',
      '--data-dir',
      join(dir, 'b'),
    ],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  t.after(async () => {
    child.kill('SIGTERM');
    await closed;
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /listening on (\S+)\n/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.on('close', () => reject(new Error(`server ended: ${out}`)));
  });
  const server = { url };
  const stdout = await runScriptKernel(server, 'fallback', 'print("ran")', {
    enableInternet: false,
  });
  assert.equal(stdout, 'ran\n');
  const { pages } = await listAllOutput(server, 'fallback', 20);
  const log = pages[0]?.log as string;
  assert.match(log, /no bubblewrap here, so this session is not isolated and has no \/kaggle tree/);
  assert.match(log, /KAGGLE_RUN_WORKING_DIR/);
  assert.match(log, /Internet is off for this session but is not enforced without bubblewrap/);
});
