// Shipping code as a dataset, on a generated 200 MB project of 10,000 files:
//   a. pack time: packProject against `zip -qr` of the same folder;
//   b. a run with `code: dataset`, cold and then unchanged: time from runJob to 'pushed' and
//      bytes uploaded. Target for the unchanged re-run: nothing uploaded, under 2 s to the push.
// The upload's own speed against a raw loopback PUT is bench/upload-speed.ts.
// Prints figures and ratios against baselines measured in the same run; asserts nothing.
//   node dist/bench/shipping.js

import { execFile, execFileSync } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packProject } from '../src/pack/index.js';
import { runJob } from '../src/run/run-job.js';
import { startBenchServer, type BenchServer } from './bench-server.js';
import { generateProject, shapeFor } from './project-generator.js';
import { median, timeIt } from './stats.js';

const FILES = 10_000;
const MB = 1024 * 1024;
const TOTAL_BYTES = 200 * MB;
const REPEATS = 3;
const TARGET_SECONDS = 2;

const run = promisify(execFile);
const mb = (n: number) => `${(n / MB).toFixed(1)} MB`;
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function hasZip(): boolean {
  try {
    execFileSync('zip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function benchPack(project: string, work: string): Promise<void> {
  const zipPath = join(work, 'pack.zip');
  let zipBytes = 0;
  const pack = await timeIt(REPEATS, async () => {
    zipBytes = (await packProject({ root: project, include: [], exclude: [], outPath: zipPath }))
      .zipBytes;
  });
  let line = `a. pack: packProject ${sec(median(pack))} (median of ${REPEATS}), zip ${mb(zipBytes)}`;
  if (hasZip()) {
    const out = join(work, 'zip-r.zip');
    const zip = await timeIt(REPEATS, async () => {
      await rm(out, { force: true });
      await run('zip', ['-qr', out, '.'], { cwd: project });
    });
    const { size } = await stat(out);
    await rm(out, { force: true });
    line +=
      ` | zip -qr ${sec(median(zip))}, zip ${mb(size)}` +
      ` | packProject/zip ${(median(pack) / median(zip)).toFixed(2)} (lower is better)`;
  } else {
    line += ' | zip not found on PATH: no zip -r baseline';
  }
  console.log(line);
}

interface RunFigures {
  /** ms from calling runJob to each event's first occurrence. */
  at: Record<string, number>;
  /** Bytes the server received between the call and the 'pushed' event. */
  uploaded: number;
  shippedBytes: number | undefined;
  shippedUploaded: boolean | undefined;
  packedBytes: number;
  /** What the output fetch brought back, files and bytes. */
  fetched: { files: number; bytes: number };
  status: string;
}

async function timedRun(bench: BenchServer, project: string): Promise<RunFigures> {
  const before = bench.server.stats().bytesUploaded;
  const start = performance.now();
  const figures: RunFigures = {
    at: {},
    uploaded: 0,
    shippedBytes: undefined,
    shippedUploaded: undefined,
    packedBytes: 0,
    fetched: { files: 0, bytes: 0 },
    status: 'unknown',
  };
  // Read to the end: a run left in flight would make the next one attach to it, not push.
  for await (const event of runJob({ dir: project, endpoint: bench.server.url, env: bench.env })) {
    figures.at[event.type] ??= performance.now() - start;
    if (event.type === 'packed') figures.packedBytes = event.bytes;
    if (event.type === 'shipped' && event.what === 'code') {
      figures.shippedBytes = event.bytes;
      figures.shippedUploaded = event.uploaded;
    }
    if (event.type === 'pushed') figures.uploaded = bench.server.stats().bytesUploaded - before;
    if (event.type === 'status') figures.at.lastStatus = performance.now() - start;
    if (event.type === 'output') {
      figures.fetched.files++;
      figures.fetched.bytes += event.file.size;
    }
    if (event.type === 'done') figures.status = event.record.status;
  }
  return figures;
}

/** Where the time to the push went: resolve, pack, ship, push. */
function breakdown(f: RunFigures): string {
  const at = (type: string) => f.at[type] ?? NaN;
  return (
    `resolve ${sec(at('resolved'))}, pack +${sec(at('packed') - at('resolved'))}, ` +
    `ship +${sec(at('shipped') - at('packed'))}, push +${sec(at('pushed') - at('shipped'))}`
  );
}

/** The part of a run's end-to-end time that is not shipping: the session and the fetch. */
function outputs(f: RunFigures): string {
  const ran = (f.at.lastStatus ?? NaN) - (f.at.pushed ?? NaN);
  const fetch = (f.at.done ?? NaN) - (f.at.lastStatus ?? NaN);
  return ` (push to last status ${sec(ran)}, then fetch ${sec(fetch)}: ${f.fetched.files} outputs, ${mb(f.fetched.bytes)})`;
}

async function benchRuns(bench: BenchServer, project: string): Promise<void> {
  const cold = await timedRun(bench, project);
  console.log(
    `b. cold run: ${sec(cold.at.pushed ?? NaN)} to 'pushed' (${breakdown(cold)}); ` +
      `zip ${mb(cold.packedBytes)}, uploaded ${mb(cold.uploaded)} (shipped event: ${mb(cold.shippedBytes ?? NaN)}); ` +
      `run ${cold.status} after ${sec(cold.at.done ?? NaN)}${outputs(cold)}`,
  );
  const warm: RunFigures[] = [];
  for (let i = 0; i < REPEATS; i++) warm.push(await timedRun(bench, project));
  const toPush = median(warm.map((f) => f.at.pushed ?? NaN));
  const uploaded = Math.max(...warm.map((f) => f.uploaded));
  const shipped = Math.max(...warm.map((f) => f.shippedBytes ?? NaN));
  const reuploads = warm.filter((f) => f.shippedUploaded !== false).length;
  console.log(
    `   unchanged re-run (median of ${REPEATS}): ${sec(toPush)} to 'pushed' ` +
      `(target < ${TARGET_SECONDS} s: ${toPush < TARGET_SECONDS * 1000 ? 'met' : 'MISSED'}), ` +
      `uploaded at most ${uploaded} bytes per run (shipped event: ${shipped} bytes; ` +
      `target 0: ${uploaded === 0 && shipped === 0 && reuploads === 0 ? 'met' : 'MISSED'}); ` +
      `statuses ${warm.map((f) => f.status).join(', ')}`,
  );
  for (const [i, f] of warm.entries()) {
    console.log(
      `   re-run ${i + 1}: ${breakdown(f)}; run ${f.status} after ${sec(f.at.done ?? NaN)}${outputs(f)}`,
    );
  }
}

async function writeProject(project: string): Promise<{ files: number; bytes: number }> {
  const generated = await generateProject(project, shapeFor(FILES - 2, TOTAL_BYTES));
  await writeFile(join(project, 'train.py'), 'pass\n');
  await writeFile(
    join(project, 'kaggle-run.yaml'),
    'name: shipbench\nentry: train.py\nplatform: kaggle\ncode: dataset\n',
  );
  return { files: generated.files + 2, bytes: generated.bytes };
}

const bench = await startBenchServer({ sandbox: 'none' });
try {
  const project = join(bench.root, 'project');
  const work = join(bench.root, 'work');
  await mkdir(work, { recursive: true });
  const { files, bytes } = await writeProject(project);
  console.log(`shipping: project of ${files} files, ${mb(bytes)}`);
  await benchPack(project, work);
  await rm(work, { recursive: true, force: true });
  await benchRuns(bench, project);
  const load = loadavg().map((l) => l.toFixed(2));
  console.log(`load average ${load.join(' ')} (1, 5, 15 min)`);
} finally {
  await bench.close();
}
