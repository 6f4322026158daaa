// The shared table of contract cases (harness/tests/contract_cases.json), through the CLI.
// The harness runs the same table (harness/tests/test_contract_cases.py): where the two
// sides would read an input differently, one of them fails.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isIdentifier } from '../../src/config/params.js';
import { parseExactJson } from '../../src/config/param-value.js';
import { PlatformError } from '../../src/errors.js';
import { schemaProblem } from '../../src/harness/schema.js';
import { isPythonIdentifier } from '../../src/harness/settings.js';
import { parseManifest } from '../../src/run/parse-manifest.js';
import { packageRoot } from '../../src/util/package-root.js';

interface Case {
  name: string;
  set?: Record<string, unknown>;
  unset?: string[];
  replace?: unknown;
  problem: string | null;
}
interface Table {
  base: Record<string, unknown>;
  cases: Case[];
}

const text = readFileSync(join(packageRoot(), 'harness', 'tests', 'contract_cases.json'), 'utf8');
const cases = JSON.parse(text) as {
  settings: Table;
  manifest: Table;
  identifiers: { cases: { name: string; identifier: boolean; pythonVariable: boolean }[] };
};
// Read again as the CLI holds settings: whole floats and big ints as ExactNumbers.
const exact = parseExactJson(text) as { settings: Table };

function caseValue(table: Table, c: Case): unknown {
  if ('replace' in c) return c.replace;
  const value: Record<string, unknown> = { ...table.base, ...c.set };
  for (const key of c.unset ?? []) delete value[key];
  return value;
}

void test('settings: the CLI gives each shared case the harness verdict, message for message', () => {
  assert.ok(cases.settings.cases.length > 5);
  for (const table of [cases.settings, exact.settings]) {
    for (const c of table.cases) {
      assert.equal(
        schemaProblem(caseValue(table, c), 'settings')?.message ?? null,
        c.problem,
        c.name,
      );
    }
  }
});

void test('manifest: parseManifest takes and refuses the shared cases as the schema says', () => {
  for (const c of cases.manifest.cases) {
    const json = JSON.stringify(caseValue(cases.manifest, c));
    if (c.problem === null) {
      assert.doesNotThrow(() => parseManifest(json), c.name);
    } else {
      assert.throws(
        () => parseManifest(json),
        (error: unknown) =>
          error instanceof PlatformError &&
          error.message === `the run manifest is malformed: ${c.problem}`,
        c.name,
      );
    }
  }
});

void test('identifiers: the CLI reads param names as Python does', () => {
  for (const c of cases.identifiers.cases) {
    assert.equal(isIdentifier(c.name), c.identifier, JSON.stringify(c.name));
    assert.equal(isPythonIdentifier(c.name), c.pythonVariable, JSON.stringify(c.name));
  }
});
