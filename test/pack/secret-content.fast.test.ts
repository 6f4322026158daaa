// Credential files known by their folder, by their content, or by where the environment
// puts them: each left out of the pack with its reason, look-alikes packed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { collectFiles } from '../../src/pack/select-files.js';
import { secretReason } from '../../src/pack/index.js';
import { tempDir } from '../helpers/temp.js';

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

const serviceAccount = JSON.stringify(
  {
    type: 'service_account',
    project_id: 'p',
    private_key_id: 'abc',
    private_key: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n',
    client_email: 'x@p.iam.gserviceaccount.com',
  },
  null,
  2,
);

void test('credential files known by folder and name are never packed', () => {
  const secrets: [string, RegExp][] = [
    ['.aws/credentials', /AWS credentials \(\.aws\/credentials\)/],
    ['home/.AWS/Credentials', /AWS credentials/],
    ['.huggingface/token', /Hugging Face token/],
    ['cache/huggingface/token', /Hugging Face token/],
    ['.cache/huggingface/stored_tokens', /Hugging Face tokens/],
    ['.streamlit/secrets.toml', /Streamlit secrets/],
    ['.docker/config.json', /Docker/],
    ['.config/gcloud/application_default_credentials.json', /Google Cloud/],
    ['.netrc', /credential file \(\.netrc\)/],
    ['.pgpass', /credential file/],
  ];
  for (const [path, reason] of secrets) assert.match(secretReason(path) ?? 'packed', reason, path);
  for (const path of [
    'aws/credentials.md',
    'token',
    'src/token.py',
    'secrets.toml',
    '.aws/config',
  ]) {
    assert.equal(secretReason(path), undefined, path);
  }
});

void test('an .npmrc with a token and a service-account key are left out by content', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, {
    'main.py': '',
    'web/.npmrc': 'registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=npm_x\n',
    'plain/.npmrc': 'registry=https://registry.npmjs.org/\nsave-exact=true\n',
    '.yarnrc.yml': 'npmAuthToken: abc\n',
    'keys/my-project-1234-5f6a.json': serviceAccount,
    'adc.json': JSON.stringify({ type: 'authorized_user', client_id: 'c', refresh_token: 'r' }),
    'config/model.json': JSON.stringify({ type: 'service_account_docs', layers: 3 }),
    'data/big.json': `[${'1,'.repeat(20_000)}1] "type": "service_account" "private_key":`,
  });
  const { entries, excluded } = await collectFiles(root, { include: [], exclude: [] });
  assert.deepEqual(
    entries.map((e) => e.path),
    ['config/model.json', 'data/big.json', 'main.py', 'plain/.npmrc'],
  );
  assert.deepEqual(
    excluded.map((e) => `${e.path}: ${e.reason}`),
    [
      '.yarnrc.yml: yarn configuration holding an auth token (.yarnrc.yml) is never packed',
      'adc.json: Google Cloud authorized user key (a JSON key file) is never packed',
      'keys/my-project-1234-5f6a.json: Google Cloud service account key (a JSON key file) is never packed',
      'web/.npmrc: npm configuration holding an auth token (.npmrc) is never packed',
    ],
  );
});

void test('the Hugging Face token under an HF_HOME inside the project is never packed', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, {
    'main.py': '',
    'hf/token': 'hf_secret',
    'hf/hub/models--x/config.json': '{}',
    'tok.txt': 'hf_other',
  });
  const rules = { include: ['hf/**'], exclude: [] };
  const env = { HF_HOME: join(root, 'hf'), HF_TOKEN_PATH: join(root, 'tok.txt') };
  const { entries, excluded } = await collectFiles(root, rules, [], env);
  assert.deepEqual(
    entries.map((e) => e.path),
    ['hf/hub/models--x/config.json', 'main.py'],
  );
  assert.deepEqual(
    excluded.map((e) => `${e.path}: ${e.reason}`),
    [
      'hf/token: Hugging Face token ($HF_HOME/token) is never packed',
      'tok.txt: Hugging Face token ($HF_TOKEN_PATH) is never packed',
    ],
  );
  // Without the variables the same files are ordinary.
  const plain = await collectFiles(root, rules, [], {});
  assert.equal(plain.entries.length, 4);
});
