// Shared by the chaos tests: a project whose program writes a few MB of seeded random
// outputs, a check that what came home is byte for byte what the kernel wrote, a small
// worker pool, and a time limit for anything that could hang.

import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { Manifest } from '../../src/manifest.js';
import type { RunRecord } from '../../src/run/record.js';
import { sha256File } from '../../src/util/hash.js';
import { scaled } from '../helpers/machine.js';

/** The files every chaos run writes (sizes of the .bin ones vary with the run's seed). */
export const EXPECTED_OUTPUTS = [
  'out/blob-0.bin',
  'out/blob-1.bin',
  'out/blob-2.bin',
  'out/metrics.json',
  'out/table.csv',
];

/** mulberry32, so the sizes and the kill points are fixed by the seed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes a project named `name` whose train.py writes three 1-4 MB files of seeded random
 * bytes plus a JSON and a CSV under out/. `sleepSeconds` keeps the kernel running a while
 * (the kill test needs time to kill the watcher).
 */
export async function writeChaosProject(
  dir: string,
  name: string,
  seed: number,
  sleepSeconds = 0,
): Promise<void> {
  const random = seeded(seed);
  const sizes = [0, 1, 2].map(() => 1024 * 1024 + Math.floor(random() * 3 * 1024 * 1024));
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    `name: ${name}\nentry: train.py\noutputs: ["out/**"]\ntimeout: 5m\n`,
  );
  // getrandbits().to_bytes works on Python 3.8 (random.randbytes is 3.9+).
  await writeFile(
    join(dir, 'train.py'),
    [
      'import json, os, random, time',
      `rng = random.Random(${seed})`,
      "os.makedirs('out', exist_ok=True)",
      `sizes = ${JSON.stringify(sizes)}`,
      'for i, n in enumerate(sizes):',
      "    with open('out/blob-%d.bin' % i, 'wb') as f:",
      "        f.write(rng.getrandbits(8 * n).to_bytes(n, 'little'))",
      "    print('wrote blob', i, n, flush=True)",
      `time.sleep(${sleepSeconds})`,
      "with open('out/table.csv', 'w') as f:",
      "    f.write('step,loss\\n')",
      '    for s in range(200):',
      "        f.write('%d,%.6f\\n' % (s, rng.random()))",
      "json.dump({'seed': " + String(seed) + ", 'sizes': sizes}, open('out/metrics.json', 'w'))",
      "print('done', flush=True)",
      '',
    ].join('\n'),
  );
}

/**
 * Checks a finished run: complete, exactly the expected outputs, each file on disk hashing
 * to what the record says and to the file the kernel wrote in the server's data folder.
 * Returns the bytes verified.
 */
export async function verifyOutputs(record: RunRecord, serverDataDir: string): Promise<number> {
  assert.equal(record.status, 'complete', JSON.stringify(record.error));
  assert.equal(record.exitCode, 0);
  assert.ok(record.kernel !== null && record.version !== null, 'the record names its kernel');
  assert.deepEqual(
    record.outputs.map((o) => o.path),
    EXPECTED_OUTPUTS,
  );
  const [owner = '', slug = ''] = record.kernel.split('/');
  const working = join(serverDataDir, 'kernels', owner, slug, String(record.version), 'working');
  let bytes = 0;
  for (const output of record.outputs) {
    const local = await sha256File(join(record.outputDir, output.path));
    const written = await sha256File(join(working, output.path));
    assert.equal(local.sha256, output.sha256, `${output.path}: record vs disk`);
    assert.equal(written.sha256, output.sha256, `${output.path}: record vs what the kernel wrote`);
    assert.equal(local.size, output.size);
    bytes += local.size;
  }
  // The harness's manifest, kept with the run, says the same for every output.
  const manifest = JSON.parse(
    await readFile(join(record.outputDir, '..', 'manifest.json'), 'utf8'),
  ) as Manifest;
  for (const output of record.outputs) {
    const entry = manifest.files.find((f) => f.path === output.path);
    assert.equal(entry?.sha256, output.sha256, `${output.path}: manifest vs record`);
  }
  return bytes;
}

/** The run record of a project's only run, read from `.kaggle-run/runs/`. */
export async function onlyRunRecord(projectDir: string): Promise<RunRecord | undefined> {
  const runs = join(projectDir, '.kaggle-run', 'runs');
  const ids = await readdir(runs).catch(() => []);
  assert.ok(ids.length <= 1, `one run expected, found ${ids.join(', ')}`);
  if (ids[0] === undefined) return undefined;
  return JSON.parse(await readFile(join(runs, ids[0], 'run.json'), 'utf8')) as RunRecord;
}

/** Runs `fn` over `items`, at most `limit` at a time; the first failure rejects. */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Rejects when `promise` takes longer than `ms` (on an idle machine, stretched by its
 * slowness), so a stuck run fails instead of hanging.
 */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  const bound = await scaled(ms);
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${bound} ms`)), bound);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

export function sumValues(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
