// Runs the test suite: node's test runner over the compiled tests in dist/test, then the
// Python unit tests. Two tiers, picked by name so that a new test lands in one by itself:
//
//   node scripts/run-tests.mjs          the whole suite: every test/**/*.test.ts, and the
//                                       Python suites of harness/tests and python/tests
//   node scripts/run-tests.mjs --fast   the fast tier: only test/**/*.fast.test.ts, and
//                                       harness/tests (the harness modules' unit tests)
//
// Extra arguments filter the chosen tier by substring of the path (the Python suites run
// only without a filter); `--python-only` and `--node-only` pick one side; `--durations`
// prints each test file's time at the end. Node 20 does not expand globs itself, so the file
// list is built here. Tests never write into the repository: the working tree's status is
// compared before and after, and a change fails a tier run (a filtered run only warns, as
// the tree may be edited while it runs).
import { existsSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const FAST_SUFFIX = '.fast.test.js';

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? walk(join(dir, e.name))
      : e.name.endsWith('.test.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/**
 * The compiled test files, found from their sources in test/: a file renamed or removed
 * leaves its old output in dist/test, which must not run.
 */
function compiledTests() {
  return walk('test').map((source) => join('dist', source.replace(/\.ts$/, '.js')));
}

// Folders holding Python unittest modules (test_*.py), each run from the folder above it;
// `fast` ones are in the fast tier too.
const PYTHON_TEST_DIRS = [
  { dir: 'harness/tests', fast: true },
  { dir: 'python/tests', fast: false },
];

/** The interpreter for the Python tests: one with nbformat (Debian's python3-nbclient). */
function testPython() {
  if (process.env.KAGGLE_RUN_TEST_PYTHON) return process.env.KAGGLE_RUN_TEST_PYTHON;
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(candidate, ['-c', 'import nbformat'], { stdio: 'ignore' });
    if (probe.status === 0) return candidate;
  }
  return 'python3';
}

/** The working tree's status, ignored files included (a run store left in examples/). */
function treeStatus() {
  const git = spawnSync('git', ['status', '--porcelain', '--ignored'], { encoding: 'utf8' });
  return git.status === 0 ? new Set(git.stdout.split('\n').filter(Boolean)) : undefined;
}

const args = process.argv.slice(2);
const fast = args.includes('--fast');
const pythonOnly = args.includes('--python-only');
const nodeOnly = args.includes('--node-only');
const durations = args.includes('--durations');
const filters = args.filter((a) => !a.startsWith('--'));
const before = treeStatus();
const started = Date.now();
let failed = false;

if (!pythonOnly) {
  const files = compiledTests()
    .filter((f) => !fast || f.endsWith(FAST_SUFFIX))
    .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
    .sort();
  const unbuilt = files.filter((f) => !existsSync(f));
  if (unbuilt.length > 0 || (files.length === 0 && filters.length === 0)) {
    console.error(`not built: ${unbuilt.join(', ') || 'dist/test'} (run \`npm run build\` first)`);
    process.exit(1);
  }
  if (files.length > 0) {
    const concurrency = process.env.TEST_CONCURRENCY ?? '2';
    const reporters = ['--test-reporter=spec', '--test-reporter-destination=stdout'];
    if (durations) {
      reporters.push(
        `--test-reporter=${join(import.meta.dirname, 'test-durations.mjs')}`,
        '--test-reporter-destination=stdout',
      );
    }
    const result = spawnSync(
      process.execPath,
      [
        '--test',
        `--test-concurrency=${concurrency}`,
        // A test that hangs (a handle left open after a failure) fails instead of holding
        // the run until CI's own limit.
        `--test-timeout=${process.env.TEST_TIMEOUT_MS ?? '900000'}`,
        ...reporters,
        ...files,
      ],
      { stdio: 'inherit' },
    );
    if (result.status !== 0) failed = true;
  }
}

if (!nodeOnly && (filters.length === 0 || pythonOnly)) {
  const python = testPython();
  for (const { dir } of PYTHON_TEST_DIRS.filter((d) => (!fast || d.fast) && existsSync(d.dir))) {
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

const after = treeStatus();
if (before !== undefined && after !== undefined) {
  const changed = [...after].filter((line) => !before.has(line));
  const gone = [...before].filter((line) => !after.has(line));
  if (changed.length + gone.length > 0) {
    const whole = filters.length === 0;
    console.error(
      `\n${whole ? 'FAILED' : 'warning'}: the working tree changed while the tests ran ` +
        '(tests must write only into temp folders):',
    );
    for (const line of changed) console.error(`  now:    ${line}`);
    for (const line of gone) console.error(`  before: ${line}`);
    if (whole) failed = true;
  }
}

// The time and the machine's load beside it: a figure means little without the load.
const tier = fast ? 'fast tier' : filters.length === 0 ? 'whole suite' : 'selected tests';
const seconds = ((Date.now() - started) / 1000).toFixed(1);
const load = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
console.log(`\n${tier}: ${failed ? 'FAILED' : 'passed'} in ${seconds} s (load average ${load})`);
process.exit(failed ? 1 : 0);
