// A remote session's requirements with and without the wheel cache. Each session is the real
// harness in a fresh environment (a new venv, as a Kaggle session starts from its image),
// timed by its own manifest's `requirements` step. Taking turns: a plain install from the
// index (what every session did before: the baseline), the first session of a key (install,
// then keep the wheels), and a later session installing from the kept wheels with no index
// (the index folder is moved away for it). The index here is a local --find-links folder of
// small wheels built here, so the baseline is far quicker than a download from PyPI: on
// Kaggle the cache's gain is larger than this shows.

import { execFileSync, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderHarness } from '../src/harness/render.js';
import type { HarnessSettings } from '../src/harness/settings.js';
import type { Manifest } from '../src/manifest.js';
import { findPython } from '../src/platform/local/python.js';
import { baseSettings, makeZip } from '../test/harness/helpers.js';
import { buildWheel } from '../test/helpers/wheels.js';
import { loadLine, median } from './stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PACKAGES = 10;

const root = await mkdtemp(join(tmpdir(), 'kaggle-run-bench-wheels-'));
try {
  const python = (await findPython({ explicit: undefined, needNotebook: false })).executable;
  const index = join(root, 'index');
  const names: string[] = [];
  for (let i = 0; i < PACKAGES; i++) {
    names.push(`kr-wheel-bench-${i}`);
    await buildWheel(python, index, {
      name: `kr-wheel-bench-${i}`,
      version: '1.0',
      module: `kr_wheel_bench_${i}`,
      code: `VALUE = ${i}\n`,
    });
  }
  const requirements = { packages: ['--no-index', `--find-links ${index}`, ...names] };
  const zip = await makeZip({ 'train.py': 'import kr_wheel_bench_0\n' });
  let sessions = 0;

  /** One session in a fresh venv; its requirements step's seconds and its working folder. */
  const session = async (settings: HarnessSettings, inputFrom?: string) => {
    const dir = join(root, `session-${sessions++}`);
    const input = join(dir, 'input');
    await mkdir(input, { recursive: true });
    if (inputFrom !== undefined)
      await cp(inputFrom, join(input, 'prev', 'kaggle-run-wheels'), { recursive: true });
    execFileSync(python, [
      '-m',
      'venv',
      '--without-pip',
      '--system-site-packages',
      join(dir, 'env'),
    ]);
    const script = join(dir, 'rendered.py');
    await writeFile(script, renderHarness(settings, zip));
    const working = join(dir, 'working');
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(join(dir, 'env', 'bin', 'python'), [script], {
        cwd: dir,
        env: { ...process.env, KAGGLE_RUN_INPUT_DIR: input, KAGGLE_RUN_WORKING_DIR: working },
        stdio: 'ignore',
      });
      child.on('error', reject);
      child.on('close', resolve);
    });
    const manifest = JSON.parse(
      await readFile(join(working, 'kaggle-run-manifest.json'), 'utf8'),
    ) as Manifest;
    if (code !== 0) throw new Error(`a session failed (exit ${code}): ${manifest.error}`);
    return { seconds: manifest.stepSeconds?.requirements ?? NaN, working, manifest };
  };

  const plain = baseSettings({ requirements });
  const keep = baseSettings({ requirements, wheelCache: { key: 'bench', from: null } });
  const fromCache = baseSettings({
    requirements,
    wheelCache: { key: 'bench', from: 'prev/kaggle-run-wheels' },
  });
  // One kept cache for the later sessions (each first session below keeps its own too).
  const kept = (await session(keep)).working;
  const figures: Record<string, number[]> = { plain: [], keep: [], cache: [] };
  for (let i = 0; i < ROUNDS; i++) {
    figures.plain!.push((await session(plain)).seconds);
    figures.keep!.push((await session(keep)).seconds);
    await rename(index, `${index}.away`); // no index: only the cache can serve
    try {
      const run = await session(fromCache, join(kept, 'kaggle-run-wheels'));
      if (run.manifest.wheelCache?.installedFrom !== 'cache') {
        throw new Error('the session did not install from the wheel cache');
      }
      figures.cache!.push(run.seconds);
    } finally {
      await rename(`${index}.away`, index);
    }
  }
  const plainS = median(figures.plain!);
  const keepS = median(figures.keep!);
  const cacheS = median(figures.cache!);
  const s = (value: number) => `${value.toFixed(2)} s`;
  console.log(
    `wheel cache, a session's requirements step, ${PACKAGES} local wheels, ${ROUNDS} rounds (medians); ${loadLine()}`,
  );
  console.log(`  install from the index (baseline)        ${s(plainS)}`);
  console.log(
    `  first session of a key (install + keep)  ${s(keepS)}  (${(keepS / plainS).toFixed(2)}x baseline)`,
  );
  console.log(
    `  later session, from the cache (no index) ${s(cacheS)}  (${(cacheS / plainS).toFixed(2)}x baseline)`,
  );
  console.log(
    '  the index is a local folder here; from PyPI the baseline (and the first session) also pays the download',
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
