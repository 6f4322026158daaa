// The harness's batch loop with a real Python: the entry runs once per item with the item's
// params over the job's, what each item writes is moved to items/<id>/, an item that fails
// does not stop the rest, and the manifest lists every item with its exit code and error.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { baseSettings, makeZip, notebookPython, runHarness } from '../harness/helpers.js';
import { scaled } from '../helpers/machine.js';

const SCRIPT = [
  'import json, os, sys',
  'params = json.load(open(os.environ["KAGGLE_RUN_PARAMS_FILE"]))',
  'item = os.environ["KAGGLE_RUN_ITEM_ID"]',
  'os.makedirs("out", exist_ok=True)',
  'open("out/result.txt", "w").write("%s %s %s" % (item, params["text"], params["scale"]))',
  'print("did", item, sys.argv[1:])',
  'if params["text"] == "boom":',
  '    sys.stderr.write("some noise\\n")',
  '    raise ValueError("cannot handle boom")',
  '',
].join('\n');

void test('batch: one run per item, outputs moved per item, a failing item reported', async (t) => {
  const zip = await makeZip({ 'train.py': SCRIPT, 'data/keep.txt': 'code file' });
  const run = await runHarness(
    t,
    baseSettings({
      args: ['--text', '${text}'],
      params: { text: 'default', scale: 2 },
      batch: {
        mode: 'per-item',
        items: [
          { id: 'a', params: { text: 'hello' } },
          { id: 'b', params: { text: 'boom' } },
          { id: 'c', params: { text: 'world', scale: 3 } },
        ],
      },
    }),
    { zip },
  );
  assert.equal(run.code, 1, run.stderr);
  const manifest = run.manifest;
  assert.ok(manifest !== undefined);
  assert.equal(manifest.exitCode, 1);
  assert.equal(manifest.failedStep, 'program');
  assert.match(manifest.error ?? '', /1 of 3 items failed: b/);
  const items = manifest.items ?? [];
  assert.deepEqual(
    items.map((i) => [i.id, i.exitCode]),
    [
      ['a', 0],
      ['b', 1],
      ['c', 0],
    ],
  );
  assert.equal(items[0]?.error, null);
  assert.match(items[1]?.error ?? '', /ValueError: cannot handle boom$/);
  assert.doesNotMatch(items[1]?.error ?? '', /\[kaggle-run\]/);
  for (const item of items) assert.equal(typeof item.seconds, 'number');

  // Each item's file went to items/<id>/, keeping its relative path; none is left behind.
  assert.equal(await readFile(join(run.working, 'items/a/out/result.txt'), 'utf8'), 'a hello 2');
  assert.equal(await readFile(join(run.working, 'items/b/out/result.txt'), 'utf8'), 'b boom 2');
  assert.equal(await readFile(join(run.working, 'items/c/out/result.txt'), 'utf8'), 'c world 3');
  assert.ok(!existsSync(join(run.working, 'out/result.txt')));
  // The code, the log and the params file stay where they are.
  assert.ok(existsSync(join(run.working, 'train.py')));
  assert.ok(existsSync(join(run.working, 'data/keep.txt')));
  assert.ok(!existsSync(join(run.working, 'items/a/train.py')));
  assert.ok(!existsSync(join(run.working, 'items/a/kaggle-run.log')));
  // The item's params reached argv too.
  assert.match(run.stdout, /did c \['--text', 'world'\]/);
  const paths = manifest.files.map((f) => f.path);
  for (const id of ['a', 'b', 'c']) assert.ok(paths.includes(`items/${id}/out/result.txt`));
});

void test('batch: bad batch settings fail in the settings step', async (t) => {
  const zip = await makeZip({ 'train.py': 'print(1)\n' });
  const run = await runHarness(
    t,
    baseSettings({
      batch: {
        mode: 'per-item',
        items: [
          { id: '../up', params: {} },
          { id: 'x', params: {} },
        ],
      },
    }),
    { zip },
  );
  assert.equal(run.code, 2);
  assert.equal(run.manifest?.failedStep, 'settings');
  assert.match(
    run.manifest?.error ?? '',
    /batch\.items\[0\]\.id "\.\.\/up" must be a folder name \(up to 100 letters/,
  );
});

void test('batch: the whole-run timeout stops the batch; items left are not run', async (t) => {
  const zip = await makeZip({
    'train.py':
      'import os, time\nopen("mark.txt", "w").write("x")\ntime.sleep(float(os.environ["KAGGLE_RUN_PARAMS"] and __import__("json").loads(os.environ["KAGGLE_RUN_PARAMS"])["sleep"]))\n',
  });
  // One second is enough on an idle machine for the quick item to end and the slow one to
  // start; a loaded machine needs the bound stretched, or the timeout fires before the slow
  // item's interpreter has written its mark.
  const timeoutSeconds = Math.ceil((await scaled(1000)) / 1000);
  const run = await runHarness(
    t,
    baseSettings({
      timeoutSeconds,
      params: { sleep: 0 },
      batch: {
        mode: 'per-item',
        items: [
          { id: 'quick', params: {} },
          { id: 'slow', params: { sleep: 300 } },
          { id: 'never', params: {} },
        ],
      },
    }),
    { zip },
  );
  assert.equal(run.code, 124, run.stderr);
  assert.equal(run.manifest?.failedStep, 'timeout');
  assert.deepEqual(
    run.manifest?.items?.map((i) => [i.id, i.exitCode]),
    [
      ['quick', 0],
      ['slow', 124],
    ],
  );
  assert.match(run.manifest?.error ?? '', /after 2 of 3 items/);
  assert.ok(existsSync(join(run.working, 'items/slow/mark.txt')));
});

void test('batch: a notebook runs once per item, each executed copy kept per item', async (t) => {
  const python = await notebookPython();
  if (python === undefined) {
    t.skip('no Python with nbclient and ipykernel');
    return;
  }
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      {
        cell_type: 'code',
        id: 'p',
        metadata: { tags: ['parameters'] },
        source: 'word = "x"',
        outputs: [],
        execution_count: null,
      },
      {
        cell_type: 'code',
        id: 'w',
        metadata: {},
        source: 'open("word.txt", "w").write(word)\nassert word != "bad", "bad word"',
        outputs: [],
        execution_count: null,
      },
    ],
  };
  const zip = await makeZip({ 'nb.ipynb': JSON.stringify(nb) });
  const run = await runHarness(
    t,
    baseSettings({
      entry: 'nb.ipynb',
      kind: 'notebook',
      params: { word: 'x' },
      batch: {
        mode: 'per-item',
        items: [
          { id: 'one', params: { word: 'good' } },
          { id: 'two', params: { word: 'bad' } },
        ],
      },
    }),
    { zip, python },
  );
  assert.equal(run.code, 1, run.stderr);
  assert.deepEqual(
    run.manifest?.items?.map((i) => [i.id, i.exitCode]),
    [
      ['one', 0],
      ['two', 1],
    ],
  );
  assert.match(run.manifest?.items?.[1]?.error ?? '', /AssertionError: bad word/);
  assert.equal(await readFile(join(run.working, 'items/one/word.txt'), 'utf8'), 'good');
  assert.equal(await readFile(join(run.working, 'items/two/word.txt'), 'utf8'), 'bad');
  assert.ok(existsSync(join(run.working, 'items/one/nb.executed.ipynb')));
  assert.ok(existsSync(join(run.working, 'items/two/nb.executed.ipynb')));
});

const LOOP_SCRIPT = [
  'import json, os, sys',
  'from kaggle_run_items import items',
  'print("model loaded", flush=True)',
  'for item in items():',
  '    with item:',
  '        if item.params["text"] == "boom":',
  '            raise ValueError("cannot handle boom")',
  '        with open(item.path("out", "result.txt"), "w") as f:',
  '            f.write("%s %s %s" % (item.id, item.params["text"], item.params["scale"]))',
  'open("summary.txt", "w").write("done")',
  '',
].join('\n');

void test('batch loop: one run for all items, each item recorded by the helper', async (t) => {
  const zip = await makeZip({ 'train.py': LOOP_SCRIPT });
  const run = await runHarness(
    t,
    baseSettings({
      params: { text: 'default', scale: 2 },
      batch: {
        mode: 'loop',
        items: [
          { id: 'a', params: { text: 'hello' } },
          { id: 'b', params: { text: 'boom' } },
          { id: 'c', params: { text: 'world', scale: 3 } },
        ],
      },
    }),
    { zip },
  );
  assert.equal(run.code, 1, run.stderr);
  // The program started once, so whatever it loads is loaded once for the three items.
  assert.equal(run.stdout.match(/model loaded/g)?.length, 1);
  const items = run.manifest?.items ?? [];
  assert.deepEqual(
    items.map((i) => [i.id, i.exitCode]),
    [
      ['a', 0],
      ['b', 1],
      ['c', 0],
    ],
  );
  assert.equal(items[1]?.error, 'ValueError: cannot handle boom');
  for (const item of items) assert.equal(typeof item.seconds, 'number');
  assert.match(run.manifest?.error ?? '', /1 of 3 items failed: b/);
  assert.equal(await readFile(join(run.working, 'items/a/out/result.txt'), 'utf8'), 'a hello 2');
  assert.equal(await readFile(join(run.working, 'items/c/out/result.txt'), 'utf8'), 'c world 3');
  // What the program writes outside items/ is the session's own output.
  const paths = run.manifest?.files.map((f) => f.path) ?? [];
  assert.ok(paths.includes('summary.txt'));
  assert.ok(paths.includes('items/a/out/result.txt'));
  assert.ok(!paths.some((p) => p.includes('kaggle_run_items') || p.includes('items.jsonl')));
});

void test('batch loop: the items file alone works; a crash fails the items begun, the rest missing', async (t) => {
  // No helper: the program reads the file and writes items/<id>/ itself, then dies on the
  // third item. Without result lines the harness cannot tell a finished item from the one
  // in flight, so every item begun takes the crash; the fourth was never reached.
  const script = [
    'import json, os',
    'lines = open(os.environ["KAGGLE_RUN_ITEMS_FILE"]).read().splitlines()',
    'for line in lines:',
    '    item = json.loads(line)',
    '    folder = os.path.join(os.environ["KAGGLE_RUN_ITEMS_DIR"], item["id"])',
    '    os.makedirs(folder, exist_ok=True)',
    '    if item["params"]["n"] == 3:',
    '        raise SystemExit("out of memory on item 3")',
    '    open(os.path.join(folder, "n.txt"), "w").write(str(item["params"]["n"]))',
    '',
  ].join('\n');
  const zip = await makeZip({ 'train.py': script });
  const run = await runHarness(
    t,
    baseSettings({
      batch: {
        mode: 'loop',
        items: [1, 2, 3, 4].map((n) => ({ id: `i${n}`, params: { n } })),
      },
    }),
    { zip },
  );
  assert.equal(run.code, 1, run.stderr);
  const items = run.manifest?.items ?? [];
  assert.deepEqual(
    items.map((i) => [i.id, i.exitCode]),
    [
      ['i1', 1],
      ['i2', 1],
      ['i3', 1],
    ],
  );
  assert.match(items[2]?.error ?? '', /out of memory on item 3/);
  assert.match(run.manifest?.error ?? '', /1 of 4 items not reached/);
  assert.equal(await readFile(join(run.working, 'items/i2/n.txt'), 'utf8'), '2');
});
