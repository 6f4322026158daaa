// Warm starts (spare-pool.ts): after a first session, the server keeps spare session processes
// ready and starts the next sessions on them. They must behave as cold ones, and no spare may
// outlive its server, however it ends.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  ME,
  PYTHON,
  kernelStdout,
  onCleanup,
  push,
  release,
  scriptPush,
  startTestServer,
  tempDir,
  waitForEnd,
  waitForGo,
  runScriptKernel,
} from './helpers.js';
import { sandboxAvailable } from '../../src/platform/local/sandbox.js';
import { startServer } from '../../src/server/server.js';
import { waitUntil } from '../helpers/wait.js';

/** Pids of the live processes whose command line contains `text` (a spare carries its tag). */
function processesWith(text: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(text)) pids.push(Number(name));
    } catch {
      // ended meanwhile
    }
  }
  return pids;
}

/** Pids of the live children of `parents` (a spare's waiting kernel). */
function childrenOf(parents: number[]): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && parents.includes(Number(fields[1]))) pids.push(Number(name));
    } catch {
      // ended meanwhile
    }
  }
  return pids;
}

function alive(pids: number[]): number[] {
  return pids.filter(existing);
}

function existing(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Prints whether it runs on a spare, then what a session must see. */
const PROBE = [
  'import os, sys',
  'print("warm", sys._getframe().f_back is not None)',
  'print(os.getcwd() == os.environ["KAGGLE_RUN_WORKING_DIR"], os.environ["KAGGLE_KERNEL_RUN_TYPE"])',
  'import kaggle_secrets',
  'print(os.path.dirname(kaggle_secrets.__file__) == os.path.join(os.path.dirname(os.getcwd()), "src", "kaggle-run-secrets"))',
  'open("out.txt", "w").write(os.environ["KAGGLE_RUN_WORKING_DIR"])',
].join('\n');

void test('sessions after the first start on spares; two quick pushes in a row both run right', async (t) => {
  const server = await startTestServer(t);
  const tag = `kaggle-run-spare:${server.dataDir}`;
  assert.match(
    await runScriptKernel(server, 'first-run', PROBE),
    /^warm False\nTrue Batch\nTrue\n$/,
  );
  // The first session started the spares; once their kernels are up, pushes start warm.
  let warm = false;
  for (let i = 0; i < 10 && !warm; i++) {
    await waitUntil('spares', () => processesWith(tag).length > 0);
    await push(server, scriptPush(`probe-${i}`, PROBE));
    assert.deepEqual(await waitForEnd(server, `probe-${i}`), { status: 'COMPLETE' });
    const out = await kernelStdout(server, `probe-${i}`);
    assert.match(out, /^warm (True|False)\nTrue Batch\nTrue\n$/);
    warm = out.startsWith('warm True');
  }
  assert.ok(warm, 'no session started on a spare');

  await waitUntil('two spares', () => processesWith(tag).length >= 2);
  await Promise.all([
    push(server, scriptPush('quick-a', PROBE)),
    push(server, scriptPush('quick-b', PROBE)),
  ]);
  for (const slug of ['quick-a', 'quick-b']) {
    assert.deepEqual(await waitForEnd(server, slug), { status: 'COMPLETE' });
    assert.match(await kernelStdout(server, slug), /^warm (True|False)\nTrue Batch\nTrue\n$/);
    const working = join(server.dataDir, 'kernels', 'me', slug, '1', 'working');
    assert.equal(readFileSync(join(working, 'out.txt'), 'utf8'), working);
  }

  // New spares start a moment after a session does; wait for one with its kernel up.
  await waitUntil('a spare with its kernel', () => childrenOf(processesWith(tag)).length > 0);
  const kernels = childrenOf(processesWith(tag));
  await server.close();
  await waitUntil('no spare left after close', () => processesWith(tag).length === 0);
  await waitUntil('no spare kernel left', () => alive(kernels).length === 0);
});

/** What a sandboxed session sees of its folders, printed after whether it runs warm. */
const SANDBOX_PROBE = [
  'import os, sys',
  'print("warm", sys._getframe().f_back is not None)',
  'print(os.getcwd(), os.environ["HOME"], os.environ["TMPDIR"], os.environ["KAGGLE_RUN_SANDBOX"])',
  'print(sorted(os.listdir("/kaggle/working")), sorted(os.listdir("/kaggle/src")), os.listdir("/tmp"))',
  'import kaggle_secrets',
  'print(kaggle_secrets.__file__)',
  'open("out.txt", "w").write(os.environ["KAGGLE_KERNEL_RUN_TYPE"])',
].join('\n');

void test('in bubblewrap, sessions after the first start in sandboxes made ahead and see what a cold one sees', async (t) => {
  if (!(await sandboxAvailable(process.env, true))) {
    t.skip('bubblewrap cannot make a sandbox here');
    return;
  }
  const server = await startTestServer(t, { sandbox: 'bwrap', accounts: [ME] });
  const tag = `kaggle-run-spare:${server.dataDir}`;
  const cold = await runScriptKernel(server, 'cold-run', SANDBOX_PROBE);
  assert.match(cold, /^warm False\n\/kaggle\/working /);
  let warm: { slug: string; out: string } | undefined;
  for (let i = 0; i < 10 && warm === undefined; i++) {
    await waitUntil('a sandboxed spare', () => childrenOf(processesWith(tag)).length > 0);
    const slug = `sandboxed-${i}`;
    await push(server, scriptPush(slug, SANDBOX_PROBE));
    assert.deepEqual(await waitForEnd(server, slug), { status: 'COMPLETE' });
    const out = await kernelStdout(server, slug);
    if (out.startsWith('warm True')) warm = { slug, out };
    else assert.equal(out, cold);
  }
  assert.ok(warm !== undefined, 'no sandboxed session started on a spare');
  // Its own folders only, empty but for its own source: nothing of the spare or other runs.
  assert.equal(warm.out.replace(/^warm True/, 'warm False'), cold);
  const working = join(server.dataDir, 'kernels', 'me', warm.slug, '1', 'working');
  assert.equal(readFileSync(join(working, 'out.txt'), 'utf8'), 'Batch');

  await server.close();
  await waitUntil('no spare left after close', () => processesWith(tag).length === 0);
  await waitUntil('no spare folder left', () => {
    try {
      return readdirSync(join(server.dataDir, 'spares')).length === 0;
    } catch {
      return true;
    }
  });
});

void test('a failing session on a spare ends ERROR with its exit code and log', async (t) => {
  const server = await startTestServer(t);
  await push(server, scriptPush('first-run', 'print("hi")'));
  await waitForEnd(server, 'first-run');
  await waitUntil('spares', () => processesWith(`kaggle-run-spare:${server.dataDir}`).length > 0);
  await push(server, scriptPush('bad-exit', 'import sys\nprint("out")\nsys.exit(5)'));
  assert.deepEqual(await waitForEnd(server, 'bad-exit'), {
    status: 'ERROR',
    failureMessage: 'The kernel exited with code 5.',
  });
  assert.equal(await kernelStdout(server, 'bad-exit'), 'out\n');
});

void test('a server killed with SIGKILL leaves no spare behind', async (t) => {
  const dataDir = await tempDir(t);
  const serverModule = fileURLToPath(new URL('../../src/server/server.js', import.meta.url));
  const script = `
    const { startServer } = await import(${JSON.stringify(serverModule)});
    const server = await startServer({
      dataDir: ${JSON.stringify(dataDir)},
      accounts: [${JSON.stringify(ME)}],
      python: ${JSON.stringify(PYTHON)},
      sandbox: 'none',
    });
    console.log(server.url);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onCleanup(t, () => child.kill('SIGKILL'));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.on('exit', () => reject(new Error('the server process ended')));
  });
  const server = { url };
  await push(server, scriptPush('one-run', 'print("one")'));
  assert.deepEqual(await waitForEnd(server, 'one-run'), { status: 'COMPLETE' });
  const tag = `kaggle-run-spare:${dataDir}`;
  await waitUntil('spares with their kernels', () => childrenOf(processesWith(tag)).length >= 2);
  const spares = processesWith(tag);
  const kernels = childrenOf(spares);
  child.kill('SIGKILL');
  await waitUntil('no spare left after SIGKILL', () => processesWith(tag).length === 0);
  await waitUntil('no spare kernel left', () => alive(kernels).length === 0);
});

void test('a warm session outlives its server; the next server adopts it and finishes it', async (t) => {
  const dataDir = await tempDir(t);
  const options = { dataDir, accounts: [ME], python: PYTHON, sandbox: 'none' as const };
  const first = await startServer(options);
  let firstClosed = false;
  onCleanup(t, () => (firstClosed ? undefined : first.close()));
  const tag = `kaggle-run-spare:${dataDir}`;
  await push(first, scriptPush('first-run', 'print("hi")'));
  await waitForEnd(first, 'first-run');
  // Sessions until one starts warm, left running across the restart.
  let warmSlug: string | undefined;
  for (let i = 0; i < 10 && warmSlug === undefined; i++) {
    await waitUntil('spares', () => childrenOf(processesWith(tag)).length > 0);
    const slug = `long-run-${i}`;
    const source = waitForGo(
      'print("warm", sys._getframe().f_back is not None)',
      'print("after")\nsys.exit(6)',
    );
    await push(first, scriptPush(slug, source));
    const log = join(dataDir, 'kernels', 'me', slug, '1', 'session', 'log.jsonl');
    let text = '';
    await waitUntil('the first line', () => {
      try {
        text = readFileSync(log, 'utf8');
      } catch {
        return false;
      }
      return text.includes('warm');
    });
    if (text.includes('warm True')) warmSlug = slug;
    else await release(first, slug, 1);
  }
  assert.ok(warmSlug !== undefined, 'no session started on a spare');
  await first.close({ detachSessions: true });
  firstClosed = true;

  const second = await startServer({ ...options, port: first.port });
  onCleanup(t, () => second.close());
  await release(second, warmSlug, 1);
  assert.deepEqual(await waitForEnd(second, warmSlug), {
    status: 'ERROR',
    failureMessage: 'The kernel exited with code 6.',
  });
  assert.equal(await kernelStdout(second, warmSlug), 'warm True\nafter\n');
});
