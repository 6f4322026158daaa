import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunRecord } from '../../src/run/record.js';
import { cli, notebookPython, runCli } from '../helpers/cli.js';
import { savedByNbformat } from '../helpers/notebook.js';
import { tempDir } from '../helpers/temp.js';
import { kaggleEnv, startTestServer } from '../server/helpers.js';

const python = await notebookPython();
const skip = python === undefined ? 'no python with nbclient + ipykernel here' : false;

// Every kind of value, as YAML writes it, and what Python must see (repr of type and value).
const spec = `
params:
  big: 12345678901234567890
  past53: 9007199254740993
  lr: 0.1
  one: 1.0
  nz: -0.0
  tiny: 1e-300
  huge: 1e400
  nan: .nan
  ninf: -.inf
  dims: [64, 128.0]
  cfg: {depth: 2, act: relu, inner: {x: [1.5, null]}}
  none: null
  flag: true
  héllo: wörld
`;
const flags = ['-p', 'lr=1', '-p', 'flag=False', '-p', 'none=None', '-p', 'dims=[1, 2.5]'];
const expected = [
  'big: int 12345678901234567890',
  'past53: int 9007199254740993',
  'lr: float 1.0',
  'one: float 1.0',
  'nz: float -0.0',
  'tiny: float 1e-300',
  'huge: float inf',
  'nan: float nan',
  'ninf: float -inf',
  'dims: list [1, 2.5]',
  "cfg: dict {'depth': 2, 'act': 'relu', 'inner': {'x': [1.5, None]}}",
  'none: NoneType None',
  'flag: bool False',
  "héllo: str 'wörld'",
].join('\n');
const names = expected.split('\n').map((line) => line.split(':')[0]!);
const report = (read: string) =>
  [
    'import json, os',
    read,
    `lines = ["%s: %s %r" % (k, type(v).__name__, v) for k, v in values]`,
    'open("seen.txt", "w", encoding="utf-8").write("\\n".join(lines))',
  ].join('\n');

void test(
  'params keep their exact type and value, in a notebook and in a script',
  { skip },
  async (t) => {
    const dir = await tempDir(t);
    const nb = savedByNbformat(python!, [
      { source: 'big = 0\nlr = 0.5', tags: ['parameters'] },
      { source: report(`values = [(k, globals()[k]) for k in ${JSON.stringify(names)}]`) },
    ]);
    await writeFile(join(dir, 'nb.ipynb'), nb);
    await writeFile(
      join(dir, 'train.py'),
      report(
        `env = json.loads(os.environ["KAGGLE_RUN_PARAMS"])\nvalues = [(k, env[k]) for k in ${JSON.stringify(names)}]`,
      ),
    );
    await writeFile(join(dir, 'kaggle-run.yaml'), `entry: nb.ipynb\n${spec}`);
    const env = { KAGGLE_RUN_PYTHON: python! };
    for (const entry of ['nb.ipynb', 'train.py']) {
      const result = await runCli(['run', dir, '--json', '--entry', entry, ...flags], { env });
      assert.equal(result.code, 0, result.stderr);
      const record = JSON.parse(result.stdout) as RunRecord;
      assert.equal(await readFile(join(record.outputDir, 'seen.txt'), 'utf8'), expected, entry);
      // The record is plain JSON: what no JSON number holds exactly is written as text.
      assert.equal(record.params.big, '12345678901234567890');
      assert.equal(record.params.nan, 'nan');
      assert.equal(record.params.lr, 1);
    }
  },
);

void test(
  'through kaggle-run server, a notebook saved by nbformat gets the same exact values',
  { skip },
  async (t) => {
    const server = await startTestServer(t);
    const dir = await tempDir(t);
    await writeFile(
      join(dir, 'nb.ipynb'),
      savedByNbformat(python!, [
        { source: 'big = 0\nlr = 0.5', tags: ['parameters'] },
        { source: report(`values = [(k, globals()[k]) for k in ${JSON.stringify(names)}]`) },
      ]),
    );
    await writeFile(join(dir, 'kaggle-run.yaml'), `entry: nb.ipynb\n${spec}`);
    const result = await runCli(
      ['run', dir, '--kaggle', '--endpoint', server.url, '--json', ...flags],
      { env: await kaggleEnv(t), timeoutMs: 300_000 },
    );
    assert.equal(result.code, 0, result.stderr);
    const record = JSON.parse(result.stdout) as RunRecord;
    assert.equal(await readFile(join(record.outputDir, 'seen.txt'), 'utf8'), expected);
    const executed = JSON.parse(
      await readFile(join(record.outputDir, 'nb.executed.ipynb'), 'utf8'),
    ) as { metadata: { kaggle_run: { run_id: string } } };
    assert.equal(executed.metadata.kaggle_run.run_id, record.runId);
  },
);

void test('bad notebooks: exit 2 before anything is packed or run, nothing written', async (t) => {
  const cell = {
    cell_type: 'code',
    metadata: {},
    source: 'open("ran", "w")',
    outputs: [],
    execution_count: null,
  };
  const params = { ...cell, metadata: { tags: ['parameters'] }, source: 'x = 1' };
  const nb = (extra: object) =>
    JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [cell], ...extra });
  for (const [text, why] of [
    ['{"cells": [', /nb\.ipynb is not valid JSON/],
    [JSON.stringify({ nbformat: 3, nbformat_minor: 0, worksheets: [] }), /nbformat 3/],
    [nb({ cells: [] }), /has no cells/],
    [nb({ cells: [params, params, cell] }), /has 2 cells tagged 'parameters'/],
    [
      nb({ metadata: { kernelspec: { name: 'ir', display_name: 'R', language: 'R' } } }),
      /runs on the r kernel \(R\)/,
    ],
  ] as const) {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'nb.ipynb'), text);
    await writeFile(join(dir, 'kaggle-run.yaml'), 'entry: nb.ipynb\n');
    const result = await cli(['run', dir]);
    assert.equal(result.code, 2, `${String(why)}: ${result.stderr}`);
    assert.match(result.stderr, why);
    assert.deepEqual(await readdir(dir), ['kaggle-run.yaml', 'nb.ipynb'], String(why));
  }
});

void test(
  'the parameters cell declares params; one it does not define is warned about',
  { skip },
  async (t) => {
    const dir = await tempDir(t);
    await writeFile(
      join(dir, 'nb.ipynb'),
      savedByNbformat(python!, [
        { source: 'lr = 0.5\nepochs = 2', tags: ['parameters'] },
        { source: 'open("seen.txt", "w").write(repr((lr, epochs)))' },
      ]),
    );
    await writeFile(join(dir, 'kaggle-run.yaml'), 'entry: nb.ipynb\n');
    const env = { KAGGLE_RUN_PYTHON: python! };
    // lr and epochs come from the notebook: declared, and lr=1 is a float as its default is.
    const ok = await runCli(['run', dir, '--json', '-p', 'lr=1', '-p', 'epochs=4'], { env });
    assert.equal(ok.code, 0, ok.stderr);
    assert.doesNotMatch(ok.stderr, /not declared|unknown parameter/);
    const record = JSON.parse(ok.stdout) as RunRecord;
    assert.equal(await readFile(join(record.outputDir, 'seen.txt'), 'utf8'), '(1.0, 4)');
    const typo = await runCli(['run', dir, '--json', '-p', 'lrr=1'], { env });
    assert.equal(typo.code, 0, typo.stderr);
    assert.match(
      typo.stderr,
      /passed unknown parameter `lrr`: the parameters cell of nb\.ipynb does not define it/,
    );
    assert.match(typo.stderr, /did you mean `lr`/);

    const init = await tempDir(t);
    await writeFile(join(init, 'nb.ipynb'), await readFile(join(dir, 'nb.ipynb'), 'utf8'));
    assert.equal((await cli(['init', init])).code, 0);
    const starter = await readFile(join(init, 'kaggle-run.yaml'), 'utf8');
    assert.match(starter, /The parameters cell of nb\.ipynb defines these params/);
    assert.match(starter, /^# {3}lr: 0\.5$/m);
    assert.match(starter, /^# {3}epochs: 2$/m);
  },
);
