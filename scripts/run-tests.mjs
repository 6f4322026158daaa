// Runs every compiled test file with node's test runner, then the Python unit tests (the
// harness's and the Python client's). Node 20 does not expand globs itself, so the list is
// built here. Extra arguments filter by substring of the path; `--python-only` and
// `--node-only` pick one side.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? walk(join(dir, e.name))
      : e.name.endsWith('.test.js')
        ? [join(dir, e.name)]
        : [],
  );
}

// Folders holding Python unittest modules (test_*.py), each run from the folder above it.
const PYTHON_TEST_DIRS = ['harness/tests', 'python/tests'];

/** The interpreter for the Python tests: one with nbformat (Debian's python3-nbclient). */
function testPython() {
  if (process.env.KAGGLE_RUN_TEST_PYTHON) return process.env.KAGGLE_RUN_TEST_PYTHON;
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(candidate, ['-c', 'import nbformat'], { stdio: 'ignore' });
    if (probe.status === 0) return candidate;
  }
  return 'python3';
}

const args = process.argv.slice(2);
const pythonOnly = args.includes('--python-only');
const nodeOnly = args.includes('--node-only');
const filters = args.filter((a) => !a.startsWith('--'));
let failed = false;

if (!pythonOnly) {
  const files = walk('dist/test')
    .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
    .sort();
  if (files.length === 0 && filters.length === 0) {
    console.error('no test files matched');
    process.exit(1);
  }
  if (files.length > 0) {
    const concurrency = process.env.TEST_CONCURRENCY ?? '2';
    const result = spawnSync(
      process.execPath,
      [
        '--test',
        `--test-concurrency=${concurrency}`,
        // A test that hangs (a handle left open after a failure) fails instead of holding
        // the run until CI's own limit.
        `--test-timeout=${process.env.TEST_TIMEOUT_MS ?? '900000'}`,
        '--test-reporter=spec',
        ...files,
      ],
      { stdio: 'inherit' },
    );
    if (result.status !== 0) failed = true;
  }
}

if (!nodeOnly && (filters.length === 0 || pythonOnly)) {
  const python = testPython();
  for (const dir of PYTHON_TEST_DIRS.filter((d) => existsSync(d))) {
    console.log(`\npython unit tests: ${dir} (${python})`);
    const top = join(dir, '..');
    const result = spawnSync(python, ['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.'], {
      cwd: top,
      stdio: 'inherit',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    if (result.status !== 0) failed = true;
  }
}

process.exit(failed ? 1 : 0);
