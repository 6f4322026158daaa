// Runs of one job at the same time against a real `kaggle-run server`, as real CLI processes:
// each completes with its own outputs on a kernel of its own, and a version replaced by a
// push from elsewhere ends the run (finished record, exit 3) instead of taking foreign outputs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';
import { copyExample, runCli, startCli } from '../helpers/cli.js';
import {
  kaggleEnv,
  push,
  release,
  scriptPush,
  startTestServer,
  waitForGo,
} from '../server/helpers.js';

/** hello, whose program prints its algorithm, waits for `go`, then writes it to a file. */
async function gatedProject(t: Parameters<typeof copyExample>[0]): Promise<string> {
  const dir = await copyExample(t, 'hello');
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    'name: hello\nentry: train.py\nparams: {algorithm: none}\noutputs: ["results/**"]\n',
  );
  await writeFile(
    join(dir, 'train.py'),
    waitForGo(
      'import json\nalgo = json.loads(os.environ["KAGGLE_RUN_PARAMS"])["algorithm"]\nprint("algo", algo)',
      'os.makedirs("results", exist_ok=True)\nopen("results/algo.txt", "w").write(algo)\nprint("done", algo)',
    ),
  );
  return dir;
}

type Handle = { kernel: string; version: number };

function pushedHandle(event: Record<string, unknown>): Handle {
  return event.handle as Handle;
}

async function finished(result: Promise<{ code: number; stdout: string; stderr: string }>) {
  const r = await result;
  const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
    type: string;
    record?: RunRecord;
  };
  return { ...r, last };
}

async function ownOutput(record: RunRecord): Promise<string> {
  return readFile(join(record.outputDir, 'results', 'algo.txt'), 'utf8');
}

void test('two runs of one job started at once from one project: each on its own kernel, each with its own outputs', async (t) => {
  const server = await startTestServer(t);
  const dir = await gatedProject(t);
  const env = await kaggleEnv(t);
  const args = (algo: string) => [
    'run',
    dir,
    '--kaggle',
    '--endpoint',
    server.url,
    '--events',
    '-p',
    `algorithm=${algo}`,
  ];
  const dqn = startCli(args('dqn'), { env });
  const ppo = startCli(args('ppo'), { env });
  // Both are pushed before either program may finish: they really run at the same time.
  const handles = await Promise.all(
    [dqn, ppo].map(async (run) => pushedHandle(await run.waitForEvent((e) => e.type === 'pushed'))),
  );
  assert.deepEqual(handles.map((h) => h.kernel).sort(), [
    'me/kaggle-run-hello',
    'me/kaggle-run-hello-2',
  ]);
  for (const h of handles) await release(server, h.kernel.split('/')[1]!, h.version);

  for (const [run, algo] of [
    [dqn, 'dqn'],
    [ppo, 'ppo'],
  ] as const) {
    const { code, stderr, last, stdout } = await finished(run.result);
    assert.equal(code, 0, stderr);
    assert.equal(last.type, 'done');
    const record = last.record!;
    assert.equal(record.status, 'complete');
    assert.equal(record.params.algorithm, algo);
    assert.equal(await ownOutput(record), algo);
    const log = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; text?: string })
      .filter((e) => e.type === 'log')
      .map((e) => e.text)
      .join('');
    assert.match(log, new RegExp(`done ${algo}\\n`));
    assert.doesNotMatch(log, new RegExp(`algo ${algo === 'dqn' ? 'ppo' : 'dqn'}`));
  }
  // Both runs finished, so their kernels are free: the next run takes the job's own kernel.
  const next = startCli(args('a2c'), { env });
  const nextHandle = pushedHandle(await next.waitForEvent((e) => e.type === 'pushed'));
  assert.equal(nextHandle.kernel, 'me/kaggle-run-hello');
  await release(server, 'kaggle-run-hello', nextHandle.version);
  assert.equal((await next.result).code, 0);
});

void test('a second folder of the same project finds the kernel running and takes the next slot', async (t) => {
  const server = await startTestServer(t);
  const first = await gatedProject(t);
  const second = await gatedProject(t);
  const env = await kaggleEnv(t);
  const args = (dir: string, algo: string) => [
    'run',
    dir,
    '--kaggle',
    '--endpoint',
    server.url,
    '--events',
    '-p',
    `algorithm=${algo}`,
  ];
  const a = startCli(args(first, 'dqn'), { env });
  const aHandle = pushedHandle(await a.waitForEvent((e) => e.type === 'pushed'));
  assert.equal(aHandle.kernel, 'me/kaggle-run-hello');
  const b = startCli(args(second, 'ppo'), { env });
  const bHandle = pushedHandle(await b.waitForEvent((e) => e.type === 'pushed'));
  assert.equal(bHandle.kernel, 'me/kaggle-run-hello-2');
  await b.waitForEvent(
    (e) =>
      e.type === 'warning' &&
      /kaggle-run-hello is busy with a run outside this project/.test(String(e.message)),
  );
  await release(server, 'kaggle-run-hello', aHandle.version);
  await release(server, 'kaggle-run-hello-2', bHandle.version);
  for (const [run, algo] of [
    [a, 'dqn'],
    [b, 'ppo'],
  ] as const) {
    const { code, stderr, last } = await finished(run.result);
    assert.equal(code, 0, stderr);
    assert.equal(await ownOutput(last.record!), algo);
  }
});

void test('a version replaced by a push from elsewhere ends the run: exit 3, record finished, attach says the same', async (t) => {
  const server = await startTestServer(t);
  const dir = await gatedProject(t);
  const env = await kaggleEnv(t);
  const run = startCli(
    ['run', dir, '--kaggle', '--endpoint', server.url, '--events', '-p', 'algorithm=dqn'],
    { env },
  );
  const handle = pushedHandle(await run.waitForEvent((e) => e.type === 'pushed'));
  await run.waitForEvent((e) => e.type === 'log' && /algo dqn/.test(String(e.text)));
  // Another tool pushes a version of the same kernel (its output is a file of its own).
  await push(
    server,
    scriptPush('kaggle-run-hello', 'open("results.txt", "w").write("foreign")\nprint("foreign")'),
  );
  await release(server, 'kaggle-run-hello', handle.version);
  const { code, stdout } = await run.result;
  assert.equal(code, 3);
  const last = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    type: string;
    runId: string;
    error: { kind: string; message: string };
  };
  assert.equal(last.type, 'error');
  assert.equal(last.error.kind, 'RunLostError');
  assert.match(last.error.message, /another client pushed version 2 of me\/kaggle-run-hello/);
  const shown = JSON.parse(
    (await runCli(['show', last.runId, '--json'], { cwd: dir, env })).stdout,
  ) as RunRecord;
  assert.equal(shown.status, 'error');
  assert.equal(shown.step, 'done');
  assert.notEqual(shown.endedAt, null);
  assert.deepEqual(shown.outputs, []);

  const attached = await runCli(['attach', last.runId, '--events'], { cwd: dir, env });
  assert.equal(attached.code, 3, attached.stderr);
  const lines = attached.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  assert.equal((JSON.parse(lines[0]!) as { type: string }).type, 'done');
});
