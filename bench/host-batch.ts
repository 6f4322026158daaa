// The voicegen host (examples/voicegen) on `kaggle-run server`: a batch of 30 texts in
// per-item mode (a fresh notebook run per text, the model loaded 30 times) against loop mode
// (one run per session, the model loaded once a session), both against one hand-written
// notebook that loads the model and loops over the 30 texts itself (the baseline); and for
// one `synthesize --gpu` call, the host's wall time minus the kernel's own time.

import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import type { Manifest } from '../src/manifest.js';
import type { RunRecord } from '../src/run/record.js';
import { median } from './stats.js';
import { packageRoot } from '../src/util/package-root.js';
import { startBenchServer } from './bench-server.js';

const SINGLE_CALLS = Number(process.env.BENCH_SINGLE_CALLS ?? '3');
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

/** One synthesize call cut into phases, in seconds, from its run record, manifest and log. */
interface SingleCall {
  wall: number;
  /** Host start to the run record's creation: Python, the client, the CLI's start, the spec. */
  startup: number;
  /** Record to push: packing, the sources check, SaveKernel. */
  push: number;
  /** Push to the harness's start line. */
  queue: number;
  /** The harness before the program (accelerator check, unpacking). */
  harness: number;
  /** The notebook's kernel (ipykernel) starting, before its first cell. */
  kernelStart: number;
  /** The cells themselves (model load and synthesis). */
  cells: number;
  /** The program's seconds as the manifest has them (kernel start + cells + saves). */
  program: number;
  /** The program's end to the last output verified here: end status seen, fetch. */
  fetch: number;
  /** The record's end to the host's exit: the host's own finishing. */
  after: number;
}

async function singleCall(dir: string, startedMs: number, wall: number): Promise<SingleCall> {
  const record = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as RunRecord;
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const log = (await readFile(join(dir, 'log.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { at: number; text: string });
  const at = (pattern: RegExp) => log.find((e) => pattern.test(e.text))?.at ?? NaN;
  const cells = log
    .map((e) => /cell \d+\/\d+ took ([\d.]+) s/.exec(e.text)?.[1])
    .filter((t) => t !== undefined)
    .reduce((sum, t) => sum + Number(t), 0);
  const time = (iso: string | null | undefined) => (iso ? Date.parse(iso) : NaN);
  const endedMs = time(record.endedAt);
  return {
    wall,
    startup: (time(record.createdAt) - startedMs) / 1000,
    push: (time(record.startedAt) - time(record.createdAt)) / 1000,
    queue: record.timings?.queueSeconds ?? NaN,
    harness: record.timings?.startSeconds ?? NaN,
    kernelStart: (at(/cell 1\/\d+: /) - at(/running notebook /)) / 1000,
    cells,
    program: manifest.programSeconds ?? manifest.durationSeconds,
    fetch: (endedMs - time(manifest.endedAt)) / 1000,
    after: (startedMs + wall * 1000 - endedMs) / 1000,
  };
}

/** What every host call pays before kaggle-run does anything: process starts (medians of 5). */
async function fixedCosts(env: NodeJS.ProcessEnv): Promise<Record<string, number>> {
  const cli = join(repo, 'bin', 'kaggle-run.js');
  const costs: Record<string, number> = {};
  const sample = async (name: string, cmd: string, args: string[]) => {
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) samples.push(await timed(cmd, args, repo, env));
    costs[name] = median(samples);
  };
  await sample('python3 -c pass', 'python3', ['-c', 'pass']);
  await sample('python3 -c "import kaggle_run"', 'python3', ['-c', 'import kaggle_run']);
  await sample('kaggle-run --version', process.execPath, [cli, '--version']);
  await sample('kaggle-run run --help', process.execPath, [cli, 'run', '--help']);
  return costs;
}

function printSingle(calls: SingleCall[], fixed: Record<string, number>): void {
  const m = (key: keyof SingleCall) => median(calls.map((c) => c[key]));
  const f = (s: number) => `${s.toFixed(2)} s`;
  console.log(
    `one synthesize --gpu, ${calls.length} calls (medians; load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${cpus().length} cores):`,
  );
  const rows: [string, keyof SingleCall][] = [
    ['host + CLI start-up, spec, credentials (to the record)', 'startup'],
    ['pack, sources check, push', 'push'],
    ['queue (push to the harness start line)', 'queue'],
    ['harness start (accelerator check, unpack)', 'harness'],
    ['notebook kernel start (ipykernel, before cell 1)', 'kernelStart'],
    ['the cells (model load, synthesis)', 'cells'],
    ['end seen, outputs fetched and verified', 'fetch'],
    ['host after the record', 'after'],
  ];
  for (const [label, key] of rows) console.log(`  ${label.padEnd(58)} ${f(m(key))}`);
  console.log(`  ${'wall'.padEnd(58)} ${f(m('wall'))}`);
  console.log(`  ${'program (manifest)'.padEnd(58)} ${f(m('program'))}`);
  console.log('process start-ups on this machine (medians of 5):');
  for (const [name, seconds] of Object.entries(fixed))
    console.log(`  ${name.padEnd(58)} ${f(seconds)}`);
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

  // One call, SINGLE_CALLS times: the host's wall time against the kernel's own (the
  // manifest's duration), and where the rest goes, phase by phase (medians).
  const runs = join(work, '.voicegen', 'qwen', '.kaggle-run', 'runs');
  const calls: SingleCall[] = [];
  for (let n = 0; n < SINGLE_CALLS; n++) {
    const startedMs = Date.now();
    const wall = await voicegen(
      'Hello world',
      '--provider',
      'qwen',
      '--gpu',
      '--output',
      `a${n}.wav`,
    );
    const runId = (await readdir(runs)).sort().at(-1)!;
    calls.push(await singleCall(join(runs, runId), startedMs, wall));
  }
  const single = median(calls.map((c) => c.wall));
  const kernelSeconds = median(calls.map((c) => c.program));
  const fixed = await fixedCosts(env);
  if (process.env.BENCH_SINGLE_ONLY === '1') {
    printSingle(calls, fixed);
    process.exit(0);
  }

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
    `  one synthesize --gpu: host ${f(single)}, kernel ${f(kernelSeconds)}, host overhead ${f(single - kernelSeconds)}`,
  );
  printSingle(calls, fixed);
} finally {
  await close();
}
