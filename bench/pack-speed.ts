// How fast packProject packs a ~100 MB project, next to `zip -r` of the same folder, and
// whether memory stays flat while it does. Prints figures; asserts nothing.
//   node dist/bench/pack-speed.js
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { packProject } from '../src/pack/index.js';

const run = promisify(execFile);
const MB = 1024 * 1024;
const words = ['model', 'loss', 'epoch', 'tensor', 'batch', 'self', 'return', 'import', 'def'];

// A small seeded generator, so every run of the bench packs the same kind of content.
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function sourceText(rand: () => number, bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    const n = 3 + Math.floor(rand() * 8);
    const line = `    ${Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]).join(' ')} = ${Math.floor(rand() * 1e6)}`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

function csvText(rand: () => number, bytes: number): string {
  const rows: string[] = [];
  let size = 0;
  while (size < bytes) {
    const row = `${Math.floor(rand() * 1e5)},${rand().toFixed(6)},${rand() < 0.5 ? 'cat' : 'dog'},${Math.floor(rand() * 10)}`;
    rows.push(row);
    size += row.length + 1;
  }
  return `${rows.join('\n')}\n`;
}

async function put(root: string, path: string, data: string | Buffer): Promise<number> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), data);
  return Buffer.byteLength(data);
}

/** ~2000 small source files, compressible CSVs and incompressible blobs: about 100 MB. */
async function generateProject(root: string): Promise<{ files: number; bytes: number }> {
  const rand = prng(42);
  let bytes = 0;
  let files = 0;
  for (let i = 0; i < 2000; i++) {
    const path = `src/pkg${i % 40}/module_${i}.py`;
    bytes += await put(root, path, sourceText(rand, 1000 + Math.floor(rand() * 15000)));
    files++;
  }
  for (const [i, size] of [2, 4, 6, 8, 8, 10, 10, 10].entries()) {
    bytes += await put(root, `data/table_${i}.csv`, csvText(rand, size * MB));
    files++;
  }
  // Random bytes: `.dat` is deflated (as zip does); `.pt` is stored as already compressed.
  for (const [i, size] of [1, 3, 5, 7].entries()) {
    bytes += await put(root, `blobs/blob_${i}.dat`, randomBytes(size * MB));
    files++;
  }
  bytes += await put(root, 'weights/model.pt', randomBytes(10 * MB));
  return { files: files + 1, bytes };
}

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
    const { files, bytes } = await generateProject(root);
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
