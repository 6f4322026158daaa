// How fast packProject packs a 10,000-file project, against `zip -qr` of the same files in
// the same run, in both listing modes: walk (no git: the .gitignore walk) and git (the file
// list from git ls-files). Runs alternate (pack, zip, pack, zip ...) so that a change in the
// machine's load falls on both; prints medians, CPU seconds (pack: this process and its
// threads; zip: its shell's children's, from `times`), both archive sizes (a faster pack
// that compressed less would not be a fair win) and peak memory. Asserts nothing.
//   node dist/bench/pack-speed.js            (PACK_BENCH_RUNS=N for more or fewer runs)
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packProject } from '../src/pack/index.js';
import { collectFiles } from '../src/pack/select-files.js';
import { generateProject, shapeFor } from './project-generator.js';
import { loadLine, median } from './stats.js';

const FILES = 10_000;
const MB = 1024 * 1024;
const TOTAL_BYTES = 100 * MB;
const RUNS = Number(process.env.PACK_BENCH_RUNS ?? 5);
const TARGET = 0.8;

const run = promisify(execFile);
const mb = (n: number) => `${(n / MB).toFixed(1)} MB`;
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

interface Sample {
  ms: number;
  cpuMs: number;
  bytes: number;
}

async function packOnce(root: string, outPath: string, peak: { rss: number }): Promise<Sample> {
  const sampler = setInterval(() => {
    peak.rss = Math.max(peak.rss, process.memoryUsage().rss);
  }, 5);
  const cpu = process.cpuUsage();
  const start = performance.now();
  try {
    const result = await packProject({ root, include: [], exclude: [], outPath });
    const used = process.cpuUsage(cpu);
    return {
      ms: performance.now() - start,
      cpuMs: (used.user + used.system) / 1000,
      bytes: result.zipBytes,
    };
  } finally {
    clearInterval(sampler);
  }
}

/** `times` after zip prints the shell's children's CPU: zip's user and system seconds. */
function childCpuMs(timesOutput: string): number {
  const lines = timesOutput.trim().split('\n');
  const match = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/.exec(lines.at(-1) ?? '');
  if (match === null) return NaN;
  const [, um, us, sm, ss] = match.map(Number) as [number, number, number, number, number];
  return (um * 60 + us + sm * 60 + ss) * 1000;
}

// In git mode zip gets git's list of the same files on stdin, rather than walking .git's
// thousands of objects only to exclude them.
async function zipOnce(root: string, outPath: string, git: boolean): Promise<Sample> {
  await rm(outPath, { force: true });
  const zip = git
    ? `git ls-files --cached --others --exclude-standard | zip -q '${outPath}' -@`
    : `zip -qr '${outPath}' .`;
  const start = performance.now();
  const { stdout } = await run('sh', ['-c', `${zip} && times`], { cwd: root });
  const ms = performance.now() - start;
  return { ms, cpuMs: childCpuMs(stdout), bytes: (await stat(outPath)).size };
}

function hasZip(): boolean {
  try {
    execFileSync('zip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const medianOf = (samples: Sample[], key: keyof Sample) => median(samples.map((s) => s[key]));

/** One pack's phases: choosing the files (listing, stat, secret checks), then the rest. */
async function phases(root: string, outPath: string): Promise<string> {
  const start = performance.now();
  await collectFiles(root, { include: [], exclude: [] });
  const selected = performance.now() - start;
  const packed = await packOnce(root, outPath, { rss: 0 });
  return `selection ${sec(selected)} of a ${sec(packed.ms)} pack`;
}

async function benchMode(root: string, work: string, mode: 'walk' | 'git'): Promise<void> {
  const packPath = join(work, `pack-${mode}.zip`);
  const zipPath = join(work, `zip-${mode}.zip`);
  const zipAvailable = hasZip();
  console.log(`${mode} mode: ${await phases(root, packPath)} (${loadLine()})`);
  const packs: Sample[] = [];
  const zips: Sample[] = [];
  const baseline = process.memoryUsage().rss;
  const peak = { rss: baseline };
  for (let i = 0; i < RUNS; i++) {
    packs.push(await packOnce(root, packPath, peak));
    if (zipAvailable) zips.push(await zipOnce(root, zipPath, mode === 'git'));
  }
  const pack = { ms: medianOf(packs, 'ms'), cpu: medianOf(packs, 'cpuMs') };
  let line =
    `  packProject ${sec(pack.ms)} (CPU ${sec(pack.cpu)}), archive ${mb(packs[0]?.bytes ?? NaN)}, ` +
    `peak RSS +${mb(peak.rss - baseline)}`;
  if (zipAvailable) {
    const zip = { ms: medianOf(zips, 'ms'), cpu: medianOf(zips, 'cpuMs') };
    const ratio = pack.ms / zip.ms;
    line +=
      `\n  ${mode === 'git' ? 'zip -q -@' : 'zip -qr  '}   ${sec(zip.ms)} (CPU ${sec(zip.cpu)}), archive ${mb(zips[0]?.bytes ?? NaN)}` +
      `\n  pack/zip: time ${ratio.toFixed(2)} (target <= ${TARGET}: ${ratio <= TARGET ? 'met' : 'MISSED'}), ` +
      `CPU ${(pack.cpu / zip.cpu).toFixed(2)}, archive size ${((packs[0]?.bytes ?? NaN) / (zips[0]?.bytes ?? NaN)).toFixed(3)}` +
      `\n  runs (pack | zip): ${packs.map((p, i) => `${sec(p.ms)} | ${sec(zips[i]?.ms ?? NaN)}`).join(', ')}`;
  } else {
    line += '\n  zip not found on PATH: no zip -qr baseline';
  }
  console.log(`${line}\n  medians of ${RUNS}, runs alternated; ${loadLine()}`);
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'kr-pack-bench-'));
  try {
    const root = join(work, 'project');
    const { files, bytes } = await generateProject(root, shapeFor(FILES, TOTAL_BYTES));
    console.log(`pack-speed: project of ${files} files, ${mb(bytes)}`);
    await benchMode(root, work, 'walk');
    execFileSync('git', ['init', '-q'], { cwd: root });
    execFileSync('git', ['add', '-A'], { cwd: root });
    await benchMode(root, work, 'git');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
