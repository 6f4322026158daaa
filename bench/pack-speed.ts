// How fast packProject packs a ~100 MB project, next to `zip -r` of the same folder, and
// whether memory stays flat while it does. Prints figures; asserts nothing.
//   node dist/bench/pack-speed.js
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packProject } from '../src/pack/index.js';
import { PACK_SPEED_SHAPE, generateProject } from './project-generator.js';

const run = promisify(execFile);
const MB = 1024 * 1024;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function timePack(root: string, outPath: string) {
  const times: number[] = [];
  let peakDelta = 0;
  let zipBytes = 0;
  for (let i = 0; i < 3; i++) {
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const start = performance.now();
    const result = await packProject({ root, include: [], exclude: [], outPath });
    times.push((performance.now() - start) / 1000);
    clearInterval(sampler);
    peakDelta = Math.max(peakDelta, peak - baseline);
    zipBytes = result.zipBytes;
  }
  return { seconds: median(times), peakDelta, zipBytes };
}

async function timeZip(root: string, outPath: string, git: boolean) {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    await rm(outPath, { force: true });
    const start = performance.now();
    await run('zip', ['-qr', outPath, '.', ...(git ? ['-x', '.git/*'] : [])], { cwd: root });
    times.push((performance.now() - start) / 1000);
  }
  const { size } = await stat(outPath);
  return { seconds: median(times), zipBytes: size };
}

function hasZip(): boolean {
  try {
    execFileSync('zip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const mb = (n: number) => `${(n / MB).toFixed(1)} MB`;

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'kr-pack-bench-'));
  try {
    const root = join(work, 'project');
    const { files, bytes } = await generateProject(root, PACK_SPEED_SHAPE);
    console.log(`pack-speed: project of ${files} files, ${mb(bytes)}`);
    const zipAvailable = hasZip();
    if (!zipAvailable) console.log('zip not found on PATH: skipping the zip -r baseline');
    for (const mode of ['walk', 'git'] as const) {
      if (mode === 'git') {
        execFileSync('git', ['init', '-q'], { cwd: root });
        execFileSync('git', ['add', '-A'], { cwd: root });
      }
      const pack = await timePack(root, join(work, `pack-${mode}.zip`));
      let line =
        `${mode} mode: packProject ${pack.seconds.toFixed(2)} s (median of 3), ` +
        `zip ${mb(pack.zipBytes)}, peak RSS +${mb(pack.peakDelta)}`;
      if (zipAvailable) {
        const zip = await timeZip(root, join(work, `zip-${mode}.zip`), mode === 'git');
        line +=
          ` | zip -r ${zip.seconds.toFixed(2)} s, zip ${mb(zip.zipBytes)}` +
          ` | pack/zip ${(pack.seconds / zip.seconds).toFixed(2)} (target <= 1.0)`;
      }
      console.log(line);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
