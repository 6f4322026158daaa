import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, realpathSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '../../src/util/hash.js';
import type { Params } from '../../src/job.js';
import { baseSettings, makeZip, runHarness } from './helpers.js';
import { execFileSync } from 'node:child_process';
import { probePython } from '../../src/platform/local/python.js';
import { tempDir } from '../helpers/temp.js';
import { buildWheel } from '../helpers/wheels.js';

const hostile: Params = {
  quote: `it's "quoted"`,
  newline: 'line1\nline2\r\n',
  triple: 'a"""b\'\'\'c',
  backslash: 'C:\\path\\to\\',
  inject: "'; import os #",
  unicode: 'héllo ✓ 日本 \u2028 🎉',
  template: '${x}',
  int: 3,
  float: 0.5,
  flag: true,
  off: false,
  nothing: null,
};

const train = `
import json, os, sys
with open(os.environ["KAGGLE_RUN_PARAMS_FILE"], encoding="utf-8") as f:
    from_file = json.load(f)
seen = {
    "argv": sys.argv[1:],
    "env": json.loads(os.environ["KAGGLE_RUN_PARAMS"]),
    "file": from_file,
    "runId": os.environ["KAGGLE_RUN_ID"],
    "nonce": os.environ["KAGGLE_RUN_NONCE"],
    "cwd": os.getcwd(),
    "cuda": os.environ.get("CUDA_VISIBLE_DEVICES"),
}
os.makedirs("results", exist_ok=True)
with open("results/seen.json", "w", encoding="utf-8") as f:
    json.dump(seen, f, ensure_ascii=False)
with open("results/table.csv", "w") as f:
    f.write("id,value\\n1,0.5\\n")
with open("helper.py", "a") as f:
    f.write("# changed by the run\\n")
print("hello on stdout")
print("hello on stderr", file=sys.stderr)
`;

void test('params reach argv, env and the params file exactly; manifest lists outputs with true hashes', async (t) => {
  const zip = await makeZip({
    'train.py': train,
    'helper.py': 'X = 1\n',
    'lib/util.py': 'Y = 2\n',
  });
  const args = [
    '--quote',
    '${quote}',
    '--newline=${newline}',
    '${triple}',
    '${backslash}',
    '${inject}',
  ];
  args.push(
    '${unicode}',
    '${template}',
    '$${quote}',
    '${int}',
    '${float}',
    '${flag}',
    '${off}',
    '${nothing}',
  );
  const settings = baseSettings({ args, params: hostile });
  const run = await runHarness(t, settings, { zip });
  assert.equal(run.code, 0, run.stderr);

  const seen = JSON.parse(await readFile(join(run.working, 'results/seen.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  assert.deepEqual(seen.argv, [
    '--quote', `it's "quoted"`, '--newline=line1\nline2\r\n', 'a"""b\'\'\'c', 'C:\\path\\to\\',
    "'; import os #", 'héllo ✓ 日本 \u2028 🎉', '${x}', '${quote}', '3', '0.5', 'true', 'false', '',
  ]); // prettier-ignore
  assert.deepEqual(seen.env, hostile);
  assert.deepEqual(seen.file, hostile);
  assert.equal(seen.runId, settings.runId);
  assert.equal(seen.nonce, settings.nonce);
  assert.equal(seen.cwd, realpathSync(run.working));
  assert.equal(seen.cuda, '', 'accelerator none hides the GPU');

  assert.match(
    run.stdout,
    new RegExp(`^\\[kaggle-run\\] start nonce=${settings.nonce} run=${settings.runId}$`, 'm'),
  );
  assert.match(
    run.stdout,
    new RegExp(`^\\[kaggle-run\\] end exit=0 nonce=${settings.nonce}$`, 'm'),
  );
  assert.match(run.stdout, /^hello on stdout$/m);
  assert.match(run.stderr, /^hello on stderr$/m);
  assert.doesNotMatch(run.stderr, /Traceback/);

  const m = run.manifest;
  assert.ok(m);
  assert.equal(m.nonce, settings.nonce);
  assert.equal(m.exitCode, 0);
  assert.equal(m.error, null);
  assert.equal(m.failedStep, null);
  assert.match(m.pythonVersion, /^3\.\d+\.\d+/);
  assert.equal(m.acceleratorAsked, 'none');
  assert.ok(['gpu', 'tpu', 'none'].includes(m.acceleratorSeen.kind));
  assert.equal(m.acceleratorSeen.names.length, m.acceleratorSeen.count);
  assert.match(m.startedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.match(m.endedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(m.endedAt >= m.startedAt);
  assert.ok(m.durationSeconds >= 0);
  // Unchanged code (train.py, lib/util.py), the params file and the manifest are not outputs;
  // the code file the run changed is.
  assert.deepEqual(
    m.files.map((f) => f.path),
    ['helper.py', 'kaggle-run.log', 'results/seen.json', 'results/table.csv'],
  );
  for (const file of m.files) {
    const bytes = await readFile(join(run.working, file.path));
    assert.equal(file.size, bytes.length, file.path);
    assert.equal(file.sha256, sha256Hex(bytes), file.path);
  }
  const log = await readFile(join(run.working, 'kaggle-run.log'), 'utf8');
  assert.match(log, /hello on stdout/);
  assert.match(log, /hello on stderr/);
  assert.match(log, /\[kaggle-run\] start nonce=/);
  assert.ok(existsSync(join(run.working, 'kaggle-run-params.json')));
});

void test('numbers reach argv as JavaScript writes them, whole numbers as ints', async (t) => {
  const params: Params = { a: 0.000001, b: 1e-7, c: 1e21, d: 42, e: -2.5, f: 123456789012 };
  // 1e21 is a whole number, so an int in Python: its digits, not JavaScript's 1e+21.
  const zip = await makeZip({
    'train.py': 'import sys\nprint("ARGV=" + "|".join(sys.argv[1:]))\n',
  });
  const run = await runHarness(
    t,
    baseSettings({ args: Object.keys(params).map((k) => `\${${k}}`), params }),
    { zip },
  );
  assert.equal(run.code, 0, run.stderr);
  const expected = [
    '0.000001',
    '1e-7',
    '1000000000000000000000',
    '42',
    '-2.5',
    '123456789012',
  ].join('|');
  assert.ok(run.stdout.includes(`\nARGV=${expected}\n`), run.stdout);
});

void test('an unknown ${name} in args is a setup error naming it', async (t) => {
  const zip = await makeZip({ 'train.py': 'open("ran", "w").write("x")\n' });
  const run = await runHarness(
    t,
    baseSettings({ args: ['${epochs}', '${nope}'], params: { epochs: 1 } }),
    { zip },
  );
  assert.equal(run.code, 2);
  assert.match(run.stderr, /\[kaggle-run\] error: .*\$\{nope\}/);
  assert.doesNotMatch(run.stderr, /Traceback/);
  assert.equal(run.manifest?.failedStep, 'settings');
  assert.equal(run.manifest?.exitCode, null);
  assert.equal(existsSync(join(run.working, 'ran')), false);
});

void test('a program exiting 3 keeps its partial outputs; the manifest says exitCode 3', async (t) => {
  const zip = await makeZip({
    'train.py': [
      'import os, sys',
      'os.makedirs("ckpt", exist_ok=True)',
      'open("ckpt/epoch1.txt", "w").write("partial")',
      'print("about to fail", flush=True)',
      'sys.exit(3)',
    ].join('\n'),
  });
  // The code comes from a file under the input dir, as on the local platform.
  const run = await runHarness(
    t,
    baseSettings({ code: { mode: 'file', path: 'kaggle-run-code/code.zip' } }),
    { inputs: { 'kaggle-run-code/code.zip': zip } },
  );
  assert.equal(run.code, 3, run.stderr);
  assert.match(run.stdout, /^\[kaggle-run\] end exit=3 nonce=/m);
  assert.equal(run.manifest?.exitCode, 3);
  assert.equal(run.manifest?.failedStep, 'program');
  assert.deepEqual(
    run.manifest?.files.map((f) => f.path),
    ['ckpt/epoch1.txt', 'kaggle-run.log'],
  );
  assert.equal(await readFile(join(run.working, 'ckpt/epoch1.txt'), 'utf8'), 'partial');
});

void test('a missing code file is a clear setup error', async (t) => {
  const run = await runHarness(
    t,
    baseSettings({ code: { mode: 'file', path: 'kaggle-run-code/code.zip' } }),
  );
  assert.equal(run.code, 2);
  assert.match(run.stderr, /code archive .*code\.zip is missing/);
  assert.equal(run.manifest?.failedStep, 'unpack');
});

void test('the entry must be in the archive', async (t) => {
  const zip = await makeZip({ 'other.py': 'print(1)\n' });
  const run = await runHarness(t, baseSettings(), { zip });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /the entry train\.py is not in the code archive/);
  assert.equal(run.manifest?.failedStep, 'unpack');
  assert.equal(existsSync(join(run.working, 'other.py')), false);
});

void test('requirements: a failing install is failedStep requirements and the program never runs', async (t) => {
  const zip = await makeZip({
    'train.py': 'open("ran", "w").write("x")\n',
    'requirements.txt': 'kaggle-run-no-such-package-0123456789==9.9.9\n',
  });
  const env = { PIP_NO_INDEX: '1' }; // offline: pip fails at once instead of asking PyPI
  const run = await runHarness(t, baseSettings({ requirements: { file: 'requirements.txt' } }), {
    zip,
    env,
  });
  assert.equal(run.code, 2, run.stdout);
  assert.match(run.stdout, /installing requirements: pip install -r requirements\.txt/);
  assert.match(
    run.stderr,
    /\[kaggle-run\] error: installing the requirements failed \(pip exited with code \d+\)/,
  );
  assert.equal(run.manifest?.failedStep, 'requirements');
  assert.equal(run.manifest?.exitCode, null);
  assert.equal(existsSync(join(run.working, 'ran')), false);
  // pip's own output is teed into the log.
  assert.match(
    await readFile(join(run.working, 'kaggle-run.log'), 'utf8'),
    /kaggle-run-no-such-package/,
  );

  const missing = await runHarness(
    t,
    baseSettings({ requirements: { file: 'reqs/missing.txt' } }),
    { zip, env },
  );
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /the requirements file "reqs\/missing\.txt" is not in the code/);
  assert.equal(missing.manifest?.failedStep, 'requirements');
});

void test("requirements: inline entries are lines of a requirements file, and pip's last lines end a failure", async (t) => {
  // A venv of its own, so the install never touches the interpreter the tests run with.
  const base = (await probePython('python3'))?.executable;
  assert.ok(base !== undefined);
  const dir = await tempDir(t);
  execFileSync(base, ['-m', 'venv', '--without-pip', '--system-site-packages', join(dir, 'venv')]);
  const python = join(dir, 'venv', 'bin', 'python');
  await buildWheel(base, join(dir, 'wheels'), {
    name: 'kr-tiny-h',
    version: '1.0',
    module: 'kr_tiny_h',
    code: 'VALUE = "from a wheel"\n',
  });
  const zip = await makeZip({ 'train.py': 'import kr_tiny_h\nprint(kr_tiny_h.VALUE)\n' });
  const packages = [
    '--no-index',
    `--find-links ${join(dir, 'wheels')}`,
    'kr-tiny-h==1.0 ; python_version >= "3"',
  ];
  const run = await runHarness(t, baseSettings({ requirements: { packages } }), { zip, python });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /Successfully installed kr-tiny-h-1\.0/);
  assert.match(run.stdout, /from a wheel/);

  const failing = ['--no-index', `--find-links ${join(dir, 'wheels')}`, 'kr-tiny-nothere==2'];
  const failed = await runHarness(t, baseSettings({ requirements: { packages: failing } }), {
    zip,
    python,
  });
  assert.equal(failed.code, 2);
  assert.equal(failed.manifest?.failedStep, 'requirements');
  assert.match(
    failed.manifest?.error ?? '',
    /pip exited with code 1\); pip's last lines:\n(.|\n)*No matching distribution found for kr-tiny-nothere==2/,
  );
});

void test('the working dir holds only what the run made besides the code', async (t) => {
  const zip = await makeZip({ 'train.py': 'import os\nprint(sorted(os.listdir(".")))\n' });
  const run = await runHarness(t, baseSettings(), { zip });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /\['kaggle-run-params.json', 'kaggle-run.log', 'train.py'\]/);
  assert.deepEqual((await readdir(run.working)).sort(), [
    'kaggle-run-manifest.json',
    'kaggle-run-params.json',
    'kaggle-run.log',
    'train.py',
  ]);
});

void test("what a sitecustomize registers at exit runs in the harness's process too (its shutdown is skipped only when nothing waits)", async (t) => {
  const site = await tempDir(t, 'kaggle-run-sitecustomize-');
  const marker = join(site, 'exits.txt');
  await writeFile(
    join(site, 'sitecustomize.py'),
    [
      'import atexit, os, sys',
      'def note():',
      `    with open(${JSON.stringify(marker)}, "a") as f:`,
      '        f.write(os.path.basename(sys.argv[0]) + "\\n")',
      'atexit.register(note)',
    ].join('\n'),
  );
  const zip = await makeZip({ 'train.py': 'print("trained")' });
  const run = await runHarness(t, baseSettings(), { zip, env: { PYTHONPATH: site } });
  assert.equal(run.code, 0, run.stderr);
  const exits = (await readFile(marker, 'utf8')).split('\n').filter(Boolean).sort();
  assert.deepEqual(exits, ['rendered.py', 'train.py']);
});
