// Kaggle user secrets: an account's secrets reach its sessions through a generated
// kaggle_secrets module, read with UserSecretsClient().get_secret as on Kaggle, from a file
// only the session's user can read; nothing else the server writes holds a value.

import assert from 'node:assert/strict';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { loadAccounts } from '../../src/server/auth.js';
import { serverOptionsFromFlags } from '../../src/server/command.js';
import {
  ME,
  OTHER,
  basic,
  push,
  rpc,
  scriptPush,
  startTestServer,
  tempDir,
  runScriptKernel,
} from './helpers.js';
import { scaled } from '../helpers/machine.js';

const VALUE = 'hf-secret-value-8c1f2e';

const READS_SECRETS = `
import os, stat
import kaggle_secrets
from kaggle_secrets import UserSecretsClient
client = UserSecretsClient()
value = None
try:
    value = client.get_secret('HF_TOKEN')
    print('HF_TOKEN=' + value)
except Exception as e:
    print('HF_TOKEN failed: %s: %s' % (type(e).__name__, e))
try:
    client.get_secret('NOT_THERE')
except kaggle_secrets.BackendError as e:
    print('NOT_THERE raised BackendError naming it: %s' % ('NOT_THERE' in str(e)))
try:
    client.get_secret('')
except kaggle_secrets.ValidationError as e:
    print('empty label: %s' % e)
print('mode=%o' % stat.S_IMODE(os.stat(kaggle_secrets._SECRETS_FILE).st_mode))
print('in env: %s' % any(value is not None and value in v for v in os.environ.values()))
`;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

void test('a session reads its account secrets with kaggle_secrets, and only its own', async (t) => {
  const server = await startTestServer(t, {
    accounts: [{ ...ME, secrets: { HF_TOKEN: VALUE } }, OTHER],
  });
  const stdout = await runScriptKernel(server, 'reads-secrets', READS_SECRETS);
  assert.deepEqual(stdout.trim().split('\n'), [
    `HF_TOKEN=${VALUE}`,
    'NOT_THERE raised BackendError naming it: True',
    'empty label: Label must be non-empty.',
    'mode=600',
    'in env: False',
  ]);

  // Another account's session has the module, without this account's secrets.
  await push(
    server,
    { ...scriptPush('reads-secrets', READS_SECRETS), slug: 'other/reads-secrets' },
    basic(OTHER),
  );
  assert.match(
    await stdoutAs(server, OTHER),
    /HF_TOKEN failed: BackendError: .*No user secrets exist.*HF_TOKEN/,
  );

  // The value is only in the logs (the program printed it); the secrets folder is gone.
  const holding: string[] = [];
  for (const file of await filesUnder(server.dataDir)) {
    if ((await readFile(file, 'utf8')).includes(VALUE)) holding.push(file);
  }
  assert.ok(holding.length > 0);
  for (const file of holding) assert.match(file, /\/kernels\/me\/reads-secrets\/.*log/, file);
  await assert.rejects(
    stat(join(server.dataDir, 'kernels', 'me', 'reads-secrets', '1', 'src', 'kaggle-run-secrets')),
  );
});

/** Waits for `account`'s reads-secrets kernel to end; its stdout. */
async function stdoutAs(
  server: { url: string },
  account: { username: string; key: string },
): Promise<string> {
  const body = { userName: account.username, kernelSlug: 'reads-secrets' };
  const auth = { auth: basic(account) };
  const deadline = Date.now() + (await scaled(30_000));
  while ((await rpc(server, 'GetKernelSessionStatus', body, auth)).body.status !== 'COMPLETE') {
    if (Date.now() > deadline) throw new Error('the kernel did not complete');
    await new Promise((r) => setTimeout(r, 50));
  }
  const output = await rpc(server, 'ListKernelSessionOutput', body, auth);
  return (JSON.parse(output.body.log as string) as { data: string }[]).map((e) => e.data).join('');
}

void test('--secret adds secrets to the first account; bad flags never echo a value', async (t) => {
  const env = { KAGGLE_USERNAME: 'alice', KAGGLE_KEY: 'alice-key' };
  const options = await serverOptionsFromFlags({ secret: ['A_TOKEN=x=y', 'B.key='] }, env);
  assert.deepEqual(options.accounts, [
    { username: 'alice', key: 'alice-key', secrets: { A_TOKEN: 'x=y', 'B.key': '' } },
  ]);
  // Without --secret the accounts still come from the environment, at start.
  assert.equal((await serverOptionsFromFlags({}, env)).accounts, undefined);

  const dir = await tempDir(t);
  const file = join(dir, 'accounts.json');
  await writeFile(
    file,
    JSON.stringify([
      { username: 'bob', key: 'k', secrets: { KEPT: '1' } },
      { username: 'carol', key: 'k2' },
    ]),
  );
  const fromFile = await serverOptionsFromFlags({ accounts: file, secret: ['ADDED=2'] }, env);
  assert.deepEqual(fromFile.accounts, [
    { username: 'bob', key: 'k', secrets: { KEPT: '1', ADDED: '2' } },
    { username: 'carol', key: 'k2' },
  ]);

  for (const bad of ['NO_VALUE', 'has space=topsecret-1', '=topsecret-2']) {
    await assert.rejects(serverOptionsFromFlags({ secret: [bad] }, env), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.doesNotMatch(error.message, /topsecret/);
      assert.match(error.message, /--secret NAME=VALUE/);
      return true;
    });
  }
  await writeFile(file, JSON.stringify([{ username: 'bob', key: 'k', secrets: { OK: 1 } }]));
  await assert.rejects(loadAccounts(file), /secrets\.OK/);
});

void test('--dataset-ready-delay is seconds, turned into the store delay', async () => {
  const env = { KAGGLE_USERNAME: 'alice', KAGGLE_KEY: 'alice-key' };
  assert.equal(
    (await serverOptionsFromFlags({ datasetReadyDelay: '2.5' }, env)).datasetReadyDelayMs,
    2500,
  );
  assert.equal(
    (await serverOptionsFromFlags({ datasetReadyDelay: '0' }, env)).datasetReadyDelayMs,
    0,
  );
  await assert.rejects(serverOptionsFromFlags({ datasetReadyDelay: '-1' }, env), UsageError);
  await assert.rejects(serverOptionsFromFlags({ datasetReadyDelay: 'soon' }, env), UsageError);
});
