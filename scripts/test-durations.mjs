// A node:test reporter that prints, at the end, the time each test file took (the sum of its
// top-level tests), slowest first, and each file's tier. It is how the fast tier is kept
// fast: `node scripts/run-tests.mjs --durations` shows what to move out of it.
import { relative } from 'node:path';

const FAST_SUFFIX = '.fast.test.js';

export default async function* durations(source) {
  const perFile = new Map();
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { file, nesting, details } = event.data;
    if (file === undefined || nesting !== 0) continue;
    perFile.set(file, (perFile.get(file) ?? 0) + (details?.duration_ms ?? 0));
  }
  const rows = [...perFile].sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((sum, [, ms]) => sum + ms, 0);
  yield '\ntest file durations (sum of top-level tests), slowest first:\n';
  for (const [file, ms] of rows) {
    const tier = file.endsWith(FAST_SUFFIX) ? 'fast' : 'all ';
    yield `${(ms / 1000).toFixed(1).padStart(8)} s  ${tier}  ${relative(process.cwd(), file)}\n`;
  }
  yield `${(total / 1000).toFixed(1).padStart(8)} s  in ${rows.length} files\n`;
}
