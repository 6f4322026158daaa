// The shared table of contract cases (harness/tests/contract_cases.json), through the CLI.
// The harness runs the same table (harness/tests/test_contract_cases.py): where the two
// sides would read an input differently, one of them fails.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isIdentifier } from '../../src/config/params.js';
import { parseExactJson, type Params } from '../../src/config/param-value.js';
import { readNotebook } from '../../src/config/read-notebook.js';
import { PlatformError, UsageError } from '../../src/errors.js';
import { schemaProblem } from '../../src/harness/schema.js';
import { isPythonIdentifier, settingsForJob } from '../../src/harness/settings.js';
import { checkNotebook } from '../../src/run/check-notebook.js';
import { parseManifest } from '../../src/run/parse-manifest.js';
import { packageRoot } from '../../src/util/package-root.js';
import { testJob } from '../helpers/job.js';
import { tempDir } from '../helpers/temp.js';

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
/** null: accepted; else the message (or its start) and the hint both sides give. */
type Verdict = null | { message?: string; messageStart?: string; hint: string };
const cases = JSON.parse(text) as {
  settings: Table;
  manifest: Table;
  identifiers: { cases: { name: string; identifier: boolean; pythonVariable: boolean }[] };
  notebooks: { cases: { name: string; text?: string; notebook?: unknown; problem: Verdict }[] };
  params: {
    notebook: { name: string; params: Params; parametersCell: boolean; problem: Verdict }[];
    args: { name: string; args: string[]; params: Params; problem: Verdict }[];
  };
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

/** The CLI's verdict on a call: undefined when it passed, else its UsageError's words. */
async function usageVerdict(call: () => Promise<unknown>): Promise<Verdict> {
  try {
    await call();
    return null;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return { message: error.message, hint: error.hint ?? '' };
  }
}

function assertVerdict(found: Verdict, expected: Verdict, name: string): void {
  if (expected === null || found === null) return assert.deepEqual(found, expected, name);
  if (expected.messageStart !== undefined) {
    assert.ok(found.message?.startsWith(expected.messageStart), `${name}: ${found.message}`);
    return assert.equal(found.hint, expected.hint, name);
  }
  assert.deepEqual(found, expected, name);
}

void test('notebooks: the CLI refuses the files the harness refuses, in the same words', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'nb.ipynb');
  assert.ok(cases.notebooks.cases.length > 5);
  for (const c of cases.notebooks.cases) {
    await writeFile(path, c.text ?? JSON.stringify(c.notebook));
    assertVerdict(await usageVerdict(() => readNotebook(path, 'nb.ipynb')), c.problem, c.name);
  }
});

void test('params: the CLI checks them against the notebook and the args as the harness does', async (t) => {
  const root = await tempDir(t);
  for (const c of cases.params.notebook) {
    const tags = c.parametersCell ? ['parameters'] : [];
    const nb = { nbformat: 4, cells: [{ cell_type: 'code', metadata: { tags }, source: '' }] };
    await writeFile(join(root, 'nb.ipynb'), JSON.stringify(nb));
    const job = testJob({ root, entry: 'nb.ipynb', kind: 'notebook', params: c.params });
    const verdict = await usageVerdict(async () => {
      await checkNotebook(job);
      settingsForJob(job, {
        runId: 'r',
        nonce: 'n',
        code: { mode: 'inline' },
        strictAccelerator: false,
      });
    });
    assertVerdict(verdict, c.problem, c.name);
  }
  for (const c of cases.params.args) {
    const job = testJob({ args: c.args, params: c.params });
    const verdict = await usageVerdict(() =>
      Promise.resolve(
        settingsForJob(job, {
          runId: 'r',
          nonce: 'n',
          code: { mode: 'inline' },
          strictAccelerator: false,
        }),
      ),
    );
    assertVerdict(verdict, c.problem, c.name);
  }
});
