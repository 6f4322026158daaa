import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exactJson } from '../../src/config/param-value.js';
import { parametersOf, parseNotebook } from '../../src/config/read-notebook.js';
import { UsageError } from '../../src/errors.js';

void test('the parameters cell: names and plain defaults, as papermill reads them', () => {
  const found = parametersOf(
    [
      '# defaults',
      'lr = 1.0  # learning rate',
      'epochs: int = 3',
      'big = 12345678901234567890',
      'name = "it\'s # not a comment"',
      'dims = [64,',
      '        128]  # two lines',
      'cfg = {"a": True, "b": None}',
      'model = make_model()',
      "héllo = 'x'",
      '    indented = 1',
      'x == 2',
      'lr = 0.5',
    ].join('\n'),
  );
  assert.deepEqual(
    found.map((p) => [p.name, p.value === undefined ? undefined : exactJson(p.value)]),
    [
      ['lr', '0.5'],
      ['epochs', '3'],
      ['big', '12345678901234567890'],
      ['name', '"it\'s # not a comment"'],
      ['dims', '[64,128]'],
      ['cfg', '{"a":true,"b":null}'],
      ['model', undefined],
      ['héllo', '"x"'],
    ],
  );
  assert.equal(exactJson(parametersOf('lr = 1.0')[0]?.value), '1.0');
});

void test('bad notebooks are usage errors that say what to do', () => {
  const cell = { cell_type: 'code', metadata: { tags: ['parameters'] }, source: 'x = 1' };
  const nb = (extra: object) =>
    JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [cell], ...extra });
  for (const [text, why] of [
    ['{"cells": [', /a\.ipynb is not valid JSON/],
    ['[1]', /not a Jupyter notebook/],
    [JSON.stringify({ nbformat: 3, worksheets: [] }), /nbformat 3; kaggle-run runs nbformat 4/],
    [nb({ cells: [] }), /has no cells: there is nothing to run/],
    [nb({ cells: [cell, cell] }), /has 2 cells tagged 'parameters' \(cells 1, 2\)/],
    [
      nb({ metadata: { kernelspec: { name: 'ir', display_name: 'R', language: 'R' } } }),
      /runs on the r kernel \(R\); kaggle-run runs Python notebooks only/,
    ],
    [
      nb({ metadata: { kernelspec: { name: 'bash', display_name: 'Bash', language: 'bash' } } }),
      /bash kernel/,
    ],
  ] as const) {
    assert.throws(
      () => parseNotebook(text, 'a.ipynb'),
      (error: unknown) => error instanceof UsageError && why.test(error.message),
      String(why),
    );
  }
  const none = parseNotebook(nb({}), 'a.ipynb');
  assert.equal(none.language, undefined);
  assert.deepEqual(none.parameters, [{ name: 'x', value: 1 }]);
  // Sources saved as lists of lines (as Jupyter does) read the same.
  const listed = parseNotebook(
    nb({ cells: [{ ...cell, source: ['a = 1\n', 'b = 2.0\n'] }] }),
    'a.ipynb',
  );
  assert.deepEqual(
    listed.parameters.map((p) => p.name),
    ['a', 'b'],
  );
});
