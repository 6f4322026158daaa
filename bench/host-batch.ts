// The voicegen host (examples/voicegen) on `kaggle-run server`: a batch of 30 texts in
// per-item mode (a fresh notebook run per text, the model loaded 30 times) against loop mode
// (one run per session, the model loaded once a session), both against one hand-written
// notebook that loads the model and loops over the 30 texts itself (the baseline); and for
// one `synthesize --gpu` call, the host's wall time minus the kernel's own time.

import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest } from '../src/manifest.js';
import { packageRoot } from '../src/util/package-root.js';
import { startBenchServer } from './bench-server.js';

const TEXTS = Array.from({ length: 30 }, (_, i) => `Sentence ${i + 1}, read in a calm voice.`);
const LOAD_SECONDS = process.env.BENCH_LOAD_SECONDS ?? '1';
const repo = packageRoot();

function timed(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  return new Promise<number>((resolve, reject) => {
    const start = performance.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve((performance.now() - start) / 1000);
      else reject(new Error(`${args.join(' ')} exited ${String(code)}:\n${err}`));
    });
  });
}

/** A notebook as Jupyter writes it: nbformat 4.5, list sources, cell ids. */
function notebook(cells: string[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: cells.map((text, n) => ({
      cell_type: 'code',
      id: `c${n}`,
      metadata: {},
      execution_count: null,
      outputs: [],
      source: text.split(/(?<=\n)/),
    })),
  });
}

const {
  root,
  server,
  env: baseEnv,
  close,
} = await startBenchServer({ python: '/usr/bin/python3' });
try {
  const host = join(root, 'voicegen');
  await cp(join(repo, 'examples', 'voicegen'), host, { recursive: true });
  const env = {
    ...baseEnv,
    KAGGLE_RUN_ENDPOINT: server.url,
    KAGGLE_RUN_CLI: join(repo, 'bin', 'kaggle-run.js'),
    PYTHONPATH: join(repo, 'python'),
    VOICEGEN_LOAD_SECONDS: LOAD_SECONDS,
  };
  const work = join(root, 'work');
  await mkdir(work);
  await writeFile(join(work, 'texts.txt'), TEXTS.join('\n') + '\n');
  const voicegen = (...args: string[]) =>
    timed('python3', [join(host, 'voicegenhub'), 'synthesize', ...args], work, env);

  // One call: the host's wall time against the kernel's own (the manifest's duration).
  const single = await voicegen('Hello world', '--provider', 'qwen', '--gpu', '--output', 'a.wav');
  const runs = join(work, '.voicegen', 'qwen', '.kaggle-run', 'runs');
  const [runId] = await readdir(runs);
  const manifest = JSON.parse(
    await readFile(join(runs, runId!, 'manifest.json'), 'utf8'),
  ) as Manifest;

  const batch = ['--texts-file', 'texts.txt', '--provider', 'qwen', '--gpu'];
  const perItem = await voicegen(...batch, '--batch-mode', 'per-item', '--output-dir', 'v1');
  const loop = await voicegen(...batch, '--batch-mode', 'loop', '--output-dir', 'v2');

  // The baseline: one hand-written notebook that loops over the 30 texts.
  const hand = join(root, 'handloop');
  await mkdir(hand);
  await cp(join(host, 'voicegen', 'tts.py'), join(hand, 'tts.py'));
  await writeFile(
    join(hand, 'kaggle-run.yaml'),
    'name: handloop\nentry: loop.ipynb\naccelerator: t4x2\noutputs: ["voices/*.wav"]\n',
  );
  await writeFile(
    join(hand, 'loop.ipynb'),
    notebook([
      'import os, tts\nmodel = tts.load_model("qwen", cache_dir=".")\n',
      `TEXTS = ${JSON.stringify(TEXTS)}\n`,
      'for n, text in enumerate(TEXTS, 1):\n    tts.synthesize(model, text, "Ryan", "voices/%04d.wav" % n)\n',
    ]),
  );
  const cli = join(repo, 'bin', 'kaggle-run.js');
  const handLoop = await timed(
    process.execPath,
    [cli, 'run', hand, '--kaggle', '--endpoint', server.url, '--json'],
    hand,
    env,
  );

  const f = (s: number) => `${s.toFixed(1)} s`;
  console.log(`voicegen on kaggle-run server (model load ${LOAD_SECONDS} s, 2 GPU sessions)`);
  console.log(`  batch of 30, per-item mode:        ${f(perItem)}`);
  console.log(`  batch of 30, loop mode:            ${f(loop)}`);
  console.log(`  one hand-written loop notebook:    ${f(handLoop)} (baseline)`);
  console.log(`  per-item / loop:                   ${(perItem / loop).toFixed(2)}x`);
  console.log(`  loop mode / hand-written loop:     ${(loop / handLoop).toFixed(2)}x`);
  console.log(
    `  one synthesize --gpu: host ${f(single)}, kernel ${f(manifest.durationSeconds)}, host overhead ${f(single - manifest.durationSeconds)}`,
  );
} finally {
  await close();
}
