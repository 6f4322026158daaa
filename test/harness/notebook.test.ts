import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Params } from '../../src/job.js';
import { savedByNbformat as savedNotebook, type CellSpec } from '../helpers/notebook.js';
import { baseSettings, makeZip, notebookPython, runHarness, waitUntil } from './helpers.js';

interface Cell {
  cell_type: string;
  metadata: { tags?: string[] };
  source: string | string[];
  outputs?: { output_type: string; ename?: string; text?: string | string[] }[];
  id?: string;
}

function notebook(cells: { source: string; tags?: string[]; markdown?: boolean }[]): string {
  return JSON.stringify({
    cells: cells.map((c, i) => ({
      cell_type: c.markdown ? 'markdown' : 'code',
      id: `cell-${i}`,
      metadata: c.tags ? { tags: c.tags } : {},
      source: c.source,
      ...(c.markdown ? {} : { execution_count: null, outputs: [] }),
    })),
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

function savedByNbformat(cells: CellSpec[]): string {
  return savedNotebook(python!, cells);
}

const text = (source: string | string[]) => (Array.isArray(source) ? source.join('') : source);

const python = await notebookPython();
const skip =
  python === undefined
    ? 'no python with nbclient + ipykernel (tried /usr/bin/python3, python3)'
    : false;

const hostile: Params = {
  title: `it's """tricky""" \\ '''`,
  multi: 'line1\nline2\n"""\n',
  inject: "'; import os #",
  unicode: 'héllo ✓ 日本 🎉',
  n: 4,
  rate: 0.25,
  flag: false,
  nothing: null,
};

void test(
  'notebook: injected-parameters cell after `parameters`, values exact, executed notebook saved',
  { skip },
  async (t) => {
    const nb = notebook([
      { source: '# Title', markdown: true },
      {
        source: 'import json\nfrom helper import X  # beside the notebook\nprint("first cell", X)',
      },
      { source: 'title = "default"\nn = 1', tags: ['parameters'] },
      {
        source: [
          'import os',
          'seen = {k: globals()[k] for k in ' + JSON.stringify(Object.keys(hostile)) + '}',
          'seen["env"] = json.loads(os.environ["KAGGLE_RUN_PARAMS"])',
          'seen["cwd"] = os.getcwd()',
          'from ipykernel.kernelapp import IPKernelApp',
          'seen["transport"] = IPKernelApp.instance().transport',
          'json.dump(seen, open("seen.json", "w", encoding="utf-8"), ensure_ascii=False)',
          'print(f"{title}: {n} rows")',
        ].join('\n'),
      },
    ]);
    const zip = await makeZip({ 'nb/analysis.ipynb': nb, 'nb/helper.py': 'X = 1\n' });
    const settings = baseSettings({
      entry: 'nb/analysis.ipynb',
      kind: 'notebook',
      params: hostile,
    });
    const run = await runHarness(t, settings, { zip, python: python! });
    assert.equal(run.code, 0, run.stderr);

    const seen = JSON.parse(await readFile(join(run.working, 'seen.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const { env, cwd, transport, ...values } = seen;
    assert.deepEqual(values, hostile);
    // Unix sockets, so a run starting a kernel beside this one cannot take its ports.
    assert.equal(transport, 'ipc');
    assert.deepEqual(env, hostile);
    assert.equal(cwd, realpathSync(run.working));
    // The notebook's output streams to our stdout as it runs, and into the log.
    assert.match(run.stdout, /^first cell 1$/m);
    assert.ok(run.stdout.includes(`it's """tricky""" \\ ''': 4 rows`), run.stdout);
    assert.match(await readFile(join(run.working, 'kaggle-run.log'), 'utf8'), /first cell/);

    const executed = JSON.parse(
      await readFile(join(run.working, 'nb/analysis.executed.ipynb'), 'utf8'),
    ) as { cells: Cell[] };
    const tags = executed.cells.map((c) => c.metadata.tags ?? []);
    assert.deepEqual(tags[2], ['parameters']);
    assert.deepEqual(tags[3], ['injected-parameters']);
    assert.equal(tags.filter((x) => x.includes('injected-parameters')).length, 1);
    assert.match(text(executed.cells[3]!.source), /^# Parameters\n/);
    assert.match(JSON.stringify(executed.cells[4]!.outputs), /4 rows/);

    assert.deepEqual(
      run.manifest?.files.map((f) => f.path),
      ['kaggle-run.log', 'nb/analysis.executed.ipynb', 'seen.json'],
    );
    assert.equal(run.manifest?.exitCode, 0);
    assert.equal(run.manifest?.failedStep, null);
  },
);

void test(
  'notebook: params without a `parameters` cell is a clear setup error',
  { skip },
  async (t) => {
    const zip = await makeZip({
      'analysis.ipynb': notebook([{ source: 'open("ran", "w").write("x")' }]),
    });
    const settings = baseSettings({ entry: 'analysis.ipynb', kind: 'notebook', params: { n: 1 } });
    const run = await runHarness(t, settings, { zip, python: python! });
    assert.equal(run.code, 2, run.stdout);
    assert.match(
      run.stderr,
      /\[kaggle-run\] error: analysis\.ipynb has no code cell tagged 'parameters', so the params \(n\) have nowhere to go; tag the cell holding the defaults with 'parameters' \(Jupyter: View > Cell Toolbar > Tags\), or remove the params/,
    );
    assert.doesNotMatch(run.stderr, /Traceback/);
    assert.equal(run.manifest?.failedStep, 'notebook');
    assert.equal(run.manifest?.exitCode, null);
    assert.equal(existsSync(join(run.working, 'ran')), false);
  },
);

void test(
  'notebook: a failing cell exits 1 and the executed notebook is still saved with the error',
  { skip },
  async (t) => {
    const zip = await makeZip({
      'analysis.ipynb': notebook([
        { source: 'open("before.txt", "w").write("done")\nprint("before")' },
        { source: 'raise ValueError("boom in cell")' },
        { source: 'open("after.txt", "w").write("never")' },
      ]),
    });
    // No params: nothing is injected, and no `parameters` cell is needed.
    const run = await runHarness(t, baseSettings({ entry: 'analysis.ipynb', kind: 'notebook' }), {
      zip,
      python: python!,
    });
    assert.equal(run.code, 1, run.stdout);
    assert.match(
      run.stderr,
      /cell 2 \(code cell 2\/3, In \[2\]\): raise ValueError\("boom in cell"\) failed: ValueError: boom in cell/,
    );
    assert.equal(run.manifest?.exitCode, 1);
    assert.equal(run.manifest?.failedStep, 'program');
    assert.equal(existsSync(join(run.working, 'after.txt')), false);
    assert.deepEqual(
      run.manifest?.files.map((f) => f.path),
      ['analysis.executed.ipynb', 'before.txt', 'kaggle-run.log'],
    );
    const executed = JSON.parse(
      await readFile(join(run.working, 'analysis.executed.ipynb'), 'utf8'),
    ) as { cells: Cell[] };
    // papermill's markers: one at the top linking to one right before the failing cell.
    assert.equal(executed.cells.length, 5);
    assert.deepEqual(
      executed.cells.map((c) => (c.metadata.tags ?? []).includes('papermill-error-cell-tag')),
      [true, false, true, false, false],
    );
    assert.match(text(executed.cells[0]!.source), /<a href="#papermill-error-cell">In \[2\]<\/a>/);
    assert.ok(
      executed.cells.every((c) => !(c.metadata.tags ?? []).includes('injected-parameters')),
    );
    assert.equal(
      executed.cells[3]!.outputs?.find((o) => o.output_type === 'error')?.ename,
      'ValueError',
    );
    // The traceback in the log is plain text, without terminal colours.
    assert.match(run.stderr, /ValueError: boom in cell/);
    assert.ok(!run.stderr.includes('\u001b['), 'no ANSI escape codes in the log');
  },
);

void test(
  'notebook: a param name that is not a Python identifier is refused',
  { skip },
  async (t) => {
    const zip = await makeZip({ 'a.ipynb': notebook([{ source: 'x = 1', tags: ['parameters'] }]) });
    const settings = baseSettings({
      entry: 'a.ipynb',
      kind: 'notebook',
      params: { 'learning-rate': 0.1, class: 1 },
    });
    const run = await runHarness(t, settings, { zip, python: python! });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /"learning-rate", "class" cannot be Python variables/);
    assert.equal(run.manifest?.failedStep, 'notebook');
  },
);

void test(
  'notebook: the timeout stops a running cell, exit 124, executed notebook kept',
  { skip },
  async (t) => {
    const zip = await makeZip({
      'a.ipynb': notebook([
        { source: 'print("started", flush=True)' },
        { source: 'import time\ntime.sleep(120)' },
      ]),
    });
    const settings = baseSettings({ entry: 'a.ipynb', kind: 'notebook', timeoutSeconds: 3 });
    const run = await runHarness(t, settings, { zip, python: python! });
    assert.equal(run.code, 124, run.stderr);
    assert.match(run.stderr, /the notebook ran past the job's timeout of 3 s/);
    assert.equal(run.manifest?.failedStep, 'timeout');
    assert.equal(run.manifest?.exitCode, 124);
    const executed = JSON.parse(await readFile(join(run.working, 'a.executed.ipynb'), 'utf8')) as {
      cells: Cell[];
    };
    assert.match(JSON.stringify(executed.cells[0]!.outputs), /started/);
  },
);

void test(
  'notebook: a notebook saved by nbformat (sources as lists of lines) runs with its params',
  { skip },
  async (t) => {
    const nb = savedByNbformat([
      { source: '# Title\nsaved by nbformat', markdown: true },
      { source: 'n = 1\nlabel = "default"', tags: ['parameters'] },
      {
        source:
          'import json\nrows = [i * i for i in range(n)]\nprint(label, len(rows))\n' +
          'json.dump({"n": n, "label": label}, open("seen.json", "w"))',
      },
    ]);
    assert.ok(Array.isArray((JSON.parse(nb) as { cells: Cell[] }).cells[2]!.source));
    const zip = await makeZip({ 'saved.ipynb': nb });
    const settings = baseSettings({
      entry: 'saved.ipynb',
      kind: 'notebook',
      params: { n: 4, label: 'squares' },
    });
    const run = await runHarness(t, settings, { zip, python: python! });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.deepEqual(JSON.parse(await readFile(join(run.working, 'seen.json'), 'utf8')), {
      n: 4,
      label: 'squares',
    });
    assert.match(run.stdout, /^squares 4$/m);
    // The executed notebook is in nbformat's normal form: lists of lines, sorted keys.
    const written = await readFile(join(run.working, 'saved.executed.ipynb'), 'utf8');
    const executed = JSON.parse(written) as { cells: Cell[]; metadata: Record<string, unknown> };
    assert.ok(executed.cells.every((c) => Array.isArray(c.source)));
    assert.deepEqual(Object.keys(executed), ['cells', 'metadata', 'nbformat', 'nbformat_minor']);
    assert.ok(written.startsWith('{\n "cells": [\n'), written.slice(0, 40));
  },
);

void test(
  'notebook: sys.exit(0), sys.exit() and SystemExit(None) end it successfully; metadata and progress',
  { skip },
  async (t) => {
    for (const exit of [
      'import sys\nsys.exit(0)',
      'import sys\nsys.exit()',
      'raise SystemExit(None)',
    ]) {
      const zip = await makeZip({
        'a.ipynb': savedByNbformat([
          { source: 'x = 1', tags: ['parameters'] },
          { source: 'open("before.txt", "w").write("ok")' },
          { source: exit },
          { source: 'open("after.txt", "w").write("never")' },
        ]),
      });
      const settings = baseSettings({ entry: 'a.ipynb', kind: 'notebook', params: { x: 2 } });
      const run = await runHarness(t, settings, { zip, python: python! });
      assert.equal(run.code, 0, exit + run.stderr);
      assert.equal(run.manifest?.exitCode, 0);
      assert.equal(existsSync(join(run.working, 'before.txt')), true);
      assert.equal(existsSync(join(run.working, 'after.txt')), false);
      assert.match(run.stdout, /the notebook ended with SystemExit/);
      // Progress: cell i/N with its first line, then its time.
      assert.match(
        run.stdout,
        /\[kaggle-run\] cell 3\/5: open\("before\.txt", "w"\)\.write\("ok"\)\n/,
      );
      assert.match(run.stdout, /\[kaggle-run\] cell 3\/5 took \d+\.\d s\n/);
      const executed = JSON.parse(
        await readFile(join(run.working, 'a.executed.ipynb'), 'utf8'),
      ) as {
        metadata: { papermill?: { parameters?: unknown }; kaggle_run?: Record<string, unknown> };
      };
      assert.deepEqual(executed.metadata.papermill?.parameters, { x: 2 });
      assert.equal(executed.metadata.kaggle_run?.run_id, 'run-1');
      assert.equal(executed.metadata.kaggle_run?.status, 'complete');
    }
    const zip = await makeZip({
      'b.ipynb': savedByNbformat([{ source: 'import sys\nsys.exit(3)' }]),
    });
    const run = await runHarness(t, baseSettings({ entry: 'b.ipynb', kind: 'notebook' }), {
      zip,
      python: python!,
    });
    assert.equal(run.code, 3, run.stderr);
    assert.match(
      run.stderr,
      /cell 1 \(code cell 1\/1, In \[1\]\): import sys failed: SystemExit: 3/,
    );
  },
);

void test(
  'notebook: a long cell is saved when output comes the save interval after the last save, not before',
  { skip },
  async (t) => {
    // The cell prints, 1.5 s later prints again, then waits to be released: the test looks
    // at the executed notebook on disk while the cell still runs.
    const zip = await makeZip({
      'a.ipynb': notebook([
        {
          source: [
            'import os, time',
            'print("tick 1", flush=True)',
            'time.sleep(1.5)',
            'print("tick 2", flush=True)',
            'here = os.environ["KAGGLE_RUN_WORKING_DIR"]',
            'print("waiting in " + here, flush=True)',
            'deadline = time.monotonic() + 120',
            'while not os.path.exists(os.path.join(here, "go")) and time.monotonic() < deadline:',
            '    time.sleep(0.05)',
            'print("released")',
          ].join('\n'),
        },
      ]),
    });
    const settings = baseSettings({ entry: 'a.ipynb', kind: 'notebook' });
    // While the cell waits: what the saved notebook holds of its output.
    const savedWhileRunning = async (env: Record<string, string>) => {
      let seen = '';
      const run = await runHarness(t, settings, {
        zip,
        python: python!,
        env,
        onStart: (_pid, output) => {
          void (async () => {
            assert.ok(await waitUntil(() => /waiting in (.+)\n/.test(output()), 30_000));
            const working = /waiting in (.+)\n/.exec(output())![1]!;
            const file = join(working, 'a.executed.ipynb');
            // With a save due, it lands as the output arrives; give it a moment to be written.
            await waitUntil(
              () => existsSync(file) && readFileSync(file, 'utf8').includes('tick 2'),
              3000,
            );
            seen = readFileSync(file, 'utf8');
            writeFileSync(join(working, 'go'), '');
          })();
        },
      });
      assert.equal(run.code, 0, run.stderr);
      const executed = await readFile(join(run.working, 'a.executed.ipynb'), 'utf8');
      assert.match(executed, /released/);
      return JSON.parse(seen) as { cells: Cell[] };
    };
    const outputsOf = (nb: { cells: Cell[] }) => JSON.stringify(nb.cells[0]!.outputs);

    // Every second: "tick 2" came 1.5 s after the save at the cell's start, so it was saved.
    const often = await savedWhileRunning({ KAGGLE_RUN_NOTEBOOK_SAVE_SECONDS: '1' });
    assert.match(outputsOf(often), /tick 1/);
    assert.match(outputsOf(often), /tick 2/);
    assert.doesNotMatch(outputsOf(often), /released/);
    // The default 30 s: the same output 1.5 s in is not saved yet (only the cell's start is).
    const rarely = await savedWhileRunning({});
    assert.doesNotMatch(outputsOf(rarely), /tick/);
  },
);
