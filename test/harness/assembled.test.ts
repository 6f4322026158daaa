import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { HARNESS_MODULES_PATH, HARNESS_PATH, harnessSource } from '../../src/harness/render.js';
import { packageRoot } from '../../src/util/package-root.js';
import { scriptPython } from './helpers.js';

const MODULES_DIR = join(packageRoot(), 'harness', 'kaggle_run_harness');

/** Runs Python code after the assembled harness was loaded as a module (main() not run). */
function withAssembled(
  code: string,
  args: string[] = [],
): { status: number | null; stdout: string; stderr: string } {
  const loader =
    'import sys\n' +
    'source = open(sys.argv[1]).read()\n' +
    "exec(compile(source, 'harness.py', 'exec'), {'__name__': 'assembled'})\n";
  const done = spawnSync(
    scriptPython,
    ['-c', loader + code, join(packageRoot(), HARNESS_PATH), ...args],
    {
      encoding: 'utf8',
      cwd: packageRoot(),
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    },
  );
  return { status: done.status, stdout: done.stdout, stderr: done.stderr };
}

void test('the assembled harness embeds every module of harness/kaggle_run_harness', () => {
  const source = harnessSource();
  const modules = readdirSync(MODULES_DIR).filter((name) => name.endsWith('.py'));
  assert.ok(modules.length > 10);
  for (const name of modules) {
    assert.ok(source.includes(JSON.stringify(`kaggle_run_harness/${name}`)), name);
  }
  // The embedded text is the module's own, character for character.
  const listed = withAssembled(
    'import importlib, json\n' +
      'import kaggle_run_harness.main\n' +
      "names = ['kaggle_run_harness/' + n for n in sys.argv[2:]]\n" +
      "modules = [n[:-len('.py')].replace('/', '.').replace('.__init__', '') for n in names]\n" +
      'print(json.dumps({n: importlib.import_module(m).__loader__.get_source(m) for n, m in zip(names, modules)}))\n',
    modules,
  );
  assert.equal(listed.status, 0, listed.stderr);
  const embedded = JSON.parse(listed.stdout) as Record<string, string>;
  assert.deepEqual(
    Object.keys(embedded).sort(),
    modules.map((n) => `kaggle_run_harness/${n}`).sort(),
  );
  for (const name of modules) {
    assert.equal(
      embedded[`kaggle_run_harness/${name}`],
      readFileSync(join(MODULES_DIR, name), 'utf8'),
      name,
    );
  }
});

void test('a traceback from the assembled harness names the module, its line and its text', () => {
  const settings = readFileSync(join(MODULES_DIR, 'settings.py'), 'utf8').split('\n');
  const line = settings.findIndex((text) => text.includes('fail("not a JSON object")')) + 1;
  assert.ok(line > 0);
  const done = withAssembled(
    'import traceback\n' +
      'from kaggle_run_harness.settings import check_settings\n' +
      'try:\n' +
      '    check_settings([])\n' +
      'except Exception:\n' +
      '    print(traceback.format_exc())\n',
  );
  assert.equal(done.status, 0, done.stderr);
  assert.match(
    done.stdout,
    new RegExp(
      `File "kaggle_run_harness/settings\\.py", line ${line}, in check_settings\\n\\s+fail\\("not a JSON object"\\)`,
    ),
  );
  assert.match(
    done.stdout,
    /kaggle_run_harness\.errors\.SetupError: the harness settings are malformed/,
  );
});

void test('an error escaping the assembled harness prints embedded source lines too', () => {
  // Run as __main__ without settings: the bootstrap's hook prints the traceback of an error
  // raised below it (here: a module that fails on import, put in the table by hand).
  const broken =
    'KAGGLE_RUN_HARNESS_FILES["kaggle_run_harness/main.py"] = ' +
    '"x = 1\\nraise ValueError(\'broken module\')\\n"\n';
  const call = '\nsave_compiled = install_harness_modules(KAGGLE_RUN_HARNESS_FILES)\n';
  assert.ok(harnessSource().includes(call));
  const source = harnessSource().replace(call, () => `\n${broken}${call.slice(1)}`);
  // From stdin: the harness is longer than one argument may be (128 KiB on Linux).
  const done = spawnSync(scriptPython, ['-'], { input: source, encoding: 'utf8' });
  assert.notEqual(done.status, 0);
  assert.match(
    done.stderr,
    /File "kaggle_run_harness\/main\.py", line 2, in <module>\n\s+raise ValueError\('broken module'\)/,
  );
});

void test('modules.json holds the embedded files, which a spare kernel compiles ahead', () => {
  const listed = JSON.parse(
    readFileSync(join(packageRoot(), HARNESS_MODULES_PATH), 'utf8'),
  ) as Record<string, string>;
  const names = readdirSync(MODULES_DIR).filter((n) => n.endsWith('.py') || n.endsWith('.json'));
  assert.deepEqual(Object.keys(listed).sort(), names.map((n) => `kaggle_run_harness/${n}`).sort());
  for (const name of names) {
    assert.equal(
      listed[`kaggle_run_harness/${name}`],
      readFileSync(join(MODULES_DIR, name), 'utf8'),
    );
  }
});

void test('the harness takes a module compiled ahead only where its text is the same', () => {
  // Stand-ins that tell where a module's code came from: the harness must run the first (its
  // text is the embedded one) and compile the second itself (its text is another's).
  const code =
    'import json, sys\n' +
    'source = open(sys.argv[1]).read()\n' +
    'files = json.load(open(sys.argv[2]))\n' +
    'def stand_in(name):\n' +
    '    return compile("MARK = %r\\n" % name, name, "exec")\n' +
    'sys._kaggle_run_warm = {"compiled": {\n' +
    '    "kaggle_run_harness/errors.py": (files["kaggle_run_harness/errors.py"], stand_in("ahead")),\n' +
    '    "kaggle_run_harness/files.py": (files["kaggle_run_harness/files.py"] + "#", stand_in("stale")),\n' +
    '}}\n' +
    "exec(compile(source, 'harness.py', 'exec'), {'__name__': 'assembled'})\n" +
    'import kaggle_run_harness.errors as errors\n' +
    'import kaggle_run_harness.files as files_module\n' +
    'print(json.dumps([getattr(errors, "MARK", None), getattr(files_module, "MARK", None),\n' +
    '                  hasattr(files_module, "write_atomic"), sys._kaggle_run_warm]))\n';
  const done = spawnSync(
    scriptPython,
    ['-c', code, join(packageRoot(), HARNESS_PATH), join(packageRoot(), HARNESS_MODULES_PATH)],
    { encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } },
  );
  assert.equal(done.status, 0, done.stderr);
  assert.deepEqual(JSON.parse(done.stdout), ['ahead', null, true, {}]);
});
