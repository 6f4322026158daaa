// The session's own start-up on `kaggle-run server`, from the harness's step times:
//   a. a 10,000-file `code: dataset` project run several times in a row: the unpack step per
//      run (flat is the target) against a plain Python extraction of the same zip;
//   b. the harness's own start (interpreter, settings, accelerator check, env, secrets;
//      target < 0.3 s) against `python3 -c pass` measured in the same run;
//   c. a GPU-emulated session (t4x2) against a CPU one: the accelerator check's extra time
//      (target < 0.2 s).
// Prints figures and ratios; asserts nothing. BENCH_FILES and BENCH_RUNS change the sizes.
//   node dist/bench/session-start.js

import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { packProject } from '../src/pack/index.js';
import type { RunRecord } from '../src/run/record.js';
import { runJob } from '../src/run/run-job.js';
import { startBenchServer, type BenchServer } from './bench-server.js';
import { generateProject, shapeFor } from './project-generator.js';
import { median } from './stats.js';

const FILES = Number(process.env.BENCH_FILES ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 4);
const MB = 1024 * 1024;
const s = (n: number | null | undefined) => (n == null ? 'n/a' : `${n.toFixed(3)} s`);

async function runOnce(bench: BenchServer, dir: string): Promise<RunRecord> {
  let record: RunRecord | undefined;
  for await (const event of runJob({ dir, endpoint: bench.server.url, env: bench.env })) {
    if (event.type === 'done') record = event.record;
  }
  if (record === undefined) throw new Error('the run ended without a record');
  return record;
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

const bench = await startBenchServer({ sandbox: 'none' });
try {
  console.log(
    `session start-up: load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const big = await project(bench.root, FILES, 'none');
  const zip = join(bench.root, 'code.zip');
  await packProject({ root: big, include: [], exclude: [], outPath: zip });
  const extract =
    'import sys, zipfile, tempfile\nwith tempfile.TemporaryDirectory() as d:\n' +
    '    zipfile.ZipFile(sys.argv[1]).extractall(d)\n';
  const plain = pythonSeconds(['-c', extract, zip], 3);
  const unpacks: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const record = await runOnce(bench, big);
    const steps = await manifestSteps(record);
    unpacks.push(steps.unpack ?? NaN);
    console.log(
      `a. run ${i + 1}/${RUNS} (${FILES} files, ${record.status}): unpack ${s(steps.unpack)}, ` +
        `harness start ${s(record.timings?.harnessStartSeconds)}, queue ${s(record.timings?.queueSeconds)}, ` +
        `program ${s(record.timings?.programSeconds)}, manifest ${s(steps.manifest)}`,
    );
  }
  console.log(
    `   unpack median ${s(median(unpacks))}, first ${s(unpacks[0])}, last ${s(unpacks.at(-1))} ` +
      `(last/first ${((unpacks.at(-1) ?? NaN) / (unpacks[0] ?? NaN)).toFixed(2)}, flat is 1.00); ` +
      `plain zipfile extraction ${s(plain)} (unpack/plain ${(median(unpacks) / plain).toFixed(2)})`,
  );

  const bare = pythonSeconds(['-c', 'pass']);
  const small = await project(bench.root, 40, 'none');
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
} finally {
  await bench.close();
}
