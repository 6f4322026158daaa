// The session's own start-up on `kaggle-run server`, from the harness's step times:
//   a. a 10,000-file `code: dataset` project run several times in a row: the unpack step per
//      run (flat is the target) against a plain Python extraction of the same zip; in a
//      sandboxed server (read-only input, as on Kaggle: the code runs in place) and in an
//      unsandboxed one (writable input: the code is copied);
//   b. the harness's own start (interpreter, settings, accelerator check, env, secrets;
//      target < 0.3 s) against `python3 -c pass` measured in the same run;
//   c. a GPU-emulated session (t4x2) against a CPU one: the accelerator check's extra time
//      (target < 0.2 s);
//   d. from the push to the program's first printed line, against the same program's own
//      start (`python3 train.py` to its first line).
// Prints figures and ratios; asserts nothing. BENCH_FILES and BENCH_RUNS change the sizes;
// BENCH_PARTS=a,d (say) runs only those parts.
//   node dist/bench/session-start.js

import { execFileSync, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { packProject } from '../src/pack/index.js';
import type { RunRecord } from '../src/run/record.js';
import { sandboxAvailable } from '../src/platform/local/sandbox.js';
import { runJob } from '../src/run/run-job.js';
import { startBenchServer, type BenchServer } from './bench-server.js';
import { generateProject, shapeFor } from './project-generator.js';
import { median } from './stats.js';

const FILES = Number(process.env.BENCH_FILES ?? 10_000);
const PARTS = new Set((process.env.BENCH_PARTS ?? 'a,b,c,d').split(',').map((p) => p.trim()));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MB = 1024 * 1024;
const s = (n: number | null | undefined) => (n == null ? 'n/a' : `${n.toFixed(3)} s`);

interface Run {
  record: RunRecord;
  /** From the `pushed` event to the log event holding the program's first line, seconds. */
  pushToFirstLine: number;
}

async function runFull(bench: BenchServer, dir: string): Promise<Run> {
  let record: RunRecord | undefined;
  let pushedAt = NaN;
  let firstLine = NaN;
  for await (const event of runJob({ dir, endpoint: bench.server.url, env: bench.env })) {
    if (event.type === 'pushed') pushedAt = performance.now();
    if (event.type === 'log' && Number.isNaN(firstLine) && event.text.includes('first line'))
      firstLine = performance.now();
    if (event.type === 'done') record = event.record;
  }
  if (record === undefined) throw new Error('the run ended without a record');
  return { record, pushToFirstLine: (firstLine - pushedAt) / 1000 };
}

async function runOnce(bench: BenchServer, dir: string): Promise<RunRecord> {
  return (await runFull(bench, dir)).record;
}

/** `python3 train.py` from its spawn to its first line on stdout, seconds. */
function ownStart(dir: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['train.py'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] });
    let seen = false;
    child.stdout.on('data', () => {
      if (!seen) resolve((performance.now() - started) / 1000);
      seen = true;
    });
    child.on('error', reject);
    child.on('close', () => {
      if (!seen) reject(new Error('train.py printed nothing'));
    });
  });
}

async function manifestSteps(record: RunRecord): Promise<Record<string, number>> {
  const path = join(record.outputDir, '..', 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8')) as {
    stepSeconds?: Record<string, number>;
  };
  return manifest.stepSeconds ?? {};
}

function pythonSeconds(args: string[], times = 5): number {
  const took: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    execFileSync('python3', args, { stdio: 'ignore' });
    took.push((performance.now() - started) / 1000);
  }
  return median(took);
}

async function project(root: string, files: number, accelerator: string): Promise<string> {
  const dir = join(root, `project-${files}-${accelerator}`);
  await generateProject(dir, shapeFor(Math.max(1, files - 2), Math.max(1, files) * 2048));
  await writeFile(join(dir, 'train.py'), 'print("first line", flush=True)\n');
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    `name: startbench-${accelerator}\nentry: train.py\nplatform: kaggle\ncode: dataset\naccelerator: ${accelerator}\n`,
  );
  return dir;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** The 10,000-file project run RUNS times in a row on a fresh server; its unpack steps. */
async function unpackSeries(label: string, sandbox: 'bwrap' | 'none', plain: number) {
  const server = await startBenchServer({ sandbox });
  try {
    const big = await project(server.root, FILES, 'none');
    const unpacks: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const record = await runOnce(server, big);
      const steps = await manifestSteps(record);
      unpacks.push(steps.unpack ?? NaN);
      const log = await readFile(join(record.outputDir, 'kaggle-run.log'), 'utf8').catch(() => '');
      const reused = /(\d+) written over the last session's copies/.exec(log)?.[1];
      console.log(
        `a. ${label} run ${i + 1}/${RUNS} (${FILES} files, ${record.status}): unpack ${s(steps.unpack)}, ` +
          `harness start ${s(record.timings?.harnessStartSeconds)}, queue ${s(record.timings?.queueSeconds)}, ` +
          `program ${s(record.timings?.programSeconds)}, manifest ${s(steps.manifest)}` +
          `${reused === undefined ? '' : `, ${reused} files written over kept copies`} | load ${load()}`,
      );
    }
    console.log(
      `   ${label}: unpack median ${s(median(unpacks))}, first ${s(unpacks[0])}, last ${s(unpacks.at(-1))} ` +
        `(last/first ${((unpacks.at(-1) ?? NaN) / (unpacks[0] ?? NaN)).toFixed(2)}, flat is 1.00) | ` +
        `plain zipfile extraction ${s(plain)} (unpack/plain ${(median(unpacks) / plain).toFixed(2)})`,
    );
  } finally {
    await server.close();
  }
}

const bench = await startBenchServer({ sandbox: 'none' });
try {
  console.log(`session start-up: load average ${load()}`);
  const big = await project(bench.root, FILES, 'none');
  const zip = join(bench.root, 'code.zip');
  await packProject({ root: big, include: [], exclude: [], outPath: zip });
  const extract =
    'import sys, zipfile, tempfile\nwith tempfile.TemporaryDirectory() as d:\n' +
    '    zipfile.ZipFile(sys.argv[1]).extractall(d)\n';
  if (PARTS.has('a')) {
    const plain = pythonSeconds(['-c', extract, zip], 3);
    if (await sandboxAvailable(process.env, true)) {
      await unpackSeries('sandboxed, in place', 'bwrap', plain);
    } else {
      console.log('a. sandboxed series skipped: bubblewrap cannot make a sandbox here');
    }
    await unpackSeries('unsandboxed, copied', 'none', plain);
  }

  const small = await project(bench.root, 40, 'none');
  if (PARTS.has('b') || PARTS.has('c')) await startAndCheck(small, zip);
  if (PARTS.has('d')) await firstLine(small);
} finally {
  await bench.close();
}

/** b and c: the harness's own start, and the GPU emulation's extra check time. */
async function startAndCheck(small: string, zip: string): Promise<void> {
  const bare = pythonSeconds(['-c', 'pass']);
  const gpu = await project(bench.root, 40, 't4x2');
  const cpuStarts: number[] = [];
  const gpuChecks: number[] = [];
  const cpuChecks: number[] = [];
  for (let i = 0; i < 3; i++) {
    const cpu = await runOnce(bench, small);
    cpuStarts.push(cpu.timings?.harnessStartSeconds ?? NaN);
    cpuChecks.push((await manifestSteps(cpu)).accelerator ?? NaN);
    gpuChecks.push((await manifestSteps(await runOnce(bench, gpu))).accelerator ?? NaN);
  }
  console.log(
    `b. harness start (median of 3): ${s(median(cpuStarts))} (target < 0.3 s) | python3 -c pass ${s(bare)} ` +
      `| start/python ${(median(cpuStarts) / bare).toFixed(2)}`,
  );
  console.log(
    `c. accelerator check (median of 3): GPU-emulated ${s(median(gpuChecks))}, CPU ${s(median(cpuChecks))} ` +
      `| extra ${s(median(gpuChecks) - median(cpuChecks))} (target < 0.2 s) ` +
      `| zip ${((await readFile(zip)).length / MB).toFixed(1)} MB`,
  );
}

/** d: from the push to the program's first line, against its own start. */
async function firstLine(small: string): Promise<void> {
  const firstLines: number[] = [];
  const own: number[] = [];
  for (let i = 0; i < 5; i++) {
    firstLines.push((await runFull(bench, small)).pushToFirstLine);
    own.push(await ownStart(small));
  }
  console.log(
    `d. push to the program's first line (median of 5): ${s(median(firstLines))} | python3 train.py ` +
      `to its first line ${s(median(own))} | ratio ${(median(firstLines) / median(own)).toFixed(1)} ` +
      `| load ${load()}`,
  );
}
