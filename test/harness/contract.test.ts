import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { secretNamePattern } from '../../src/config/shipping-schema.js';
import { argTemplateRefs, blameForStep, harnessContract } from '../../src/harness/contract.js';
import { HARNESS_LOG_FILE, MANIFEST_FILE } from '../../src/manifest.js';
import { baseSettings } from './helpers.js';
import { cli, copyExample } from '../helpers/cli.js';
import type { RunRecord } from '../../src/run/record.js';

void test('the CLI reads the template grammar, name rules and blames from the harness contract', () => {
  const contract = harnessContract();
  assert.deepEqual(argTemplateRefs('--lr=${ lr } $${x} ${a}-${b}'), ['lr', 'a', 'b']);
  assert.equal(blameForStep('secrets'), 'usage');
  assert.equal(blameForStep('unpack'), 'platform');
  assert.equal(blameForStep('program'), 'program');
  // What TypeScript keeps as constants (types, zod schemas) is the contract's too.
  assert.equal(contract.files.manifest, MANIFEST_FILE);
  assert.equal(contract.files.log, HARNESS_LOG_FILE);
  assert.equal(contract.envName.source, secretNamePattern.source);
  assert.equal(contract.settingsVersion, baseSettings().version);
});

void test('args with spaces inside ${ } reach the program as the validation read them', async (t) => {
  const dir = await copyExample(t, 'hello');
  const spec = join(dir, 'kaggle-run.yaml');
  const text = await readFile(spec, 'utf8');
  await writeFile(
    spec,
    text.replace("args: ['--epochs', '${epochs}']", "args: ['--epochs=${ epochs }']"),
  );
  assert.match(await readFile(spec, 'utf8'), /\$\{ epochs \}/);
  const result = await cli(['run', dir, '--json', '-p', 'epochs=2']);
  assert.equal(result.code, 0, result.stderr);
  const record = JSON.parse(result.stdout) as RunRecord;
  assert.equal(record.status, 'complete');
  const metrics = JSON.parse(
    await readFile(join(record.outputDir, 'results', 'metrics.json'), 'utf8'),
  ) as Record<string, unknown>;
  assert.equal(metrics.epochs, 2); // from argv: --epochs=${ epochs } became --epochs=2
});
