import { test } from 'node:test';
import assert from 'node:assert/strict';
import { secretReason } from '../../src/pack/index.js';

void test('credential, environment and key files are never packed, at any depth', () => {
  const secrets: [string, RegExp][] = [
    ['kaggle.json', /credential file \(kaggle\.json\)/],
    ['sub/dir/credentials.json', /credential file/],
    ['access_token', /credential file/],
    ['config/access_token.txt', /credential file/],
    ['Kaggle.JSON', /credential file/],
    ['.netrc', /credential file/],
    ['.env', /environment file \(\.env\)/],
    ['.env.local', /environment file/],
    ['app/.env.production', /environment file/],
    ['.envrc', /environment file/],
    ['id_rsa', /private key \(id_rsa\)/],
    ['keys/id_ed25519', /private key/],
    ['id_rsa_work', /private key/],
    ['server.pem', /private key or certificate \(\.pem\)/],
    ['tls/server.key', /\.key/],
    ['cert.p12', /\.p12/],
    ['cert.PFX', /\.pfx/],
    ['.ssh/config', /\.ssh/],
    ['home/.ssh/known_hosts', /\.ssh/],
    ['.git/config', /\.git/],
    ['.kaggle-run/runs/x/run.json', /run store/],
  ];
  for (const [path, reason] of secrets) {
    assert.match(secretReason(path) ?? 'packed', reason, path);
  }
});

void test('ordinary files, public keys and look-alikes are packed', () => {
  const ordinary = [
    'train.py',
    'id_rsa.pub',
    'keys/id_ed25519.pub',
    'id_to_label.json',
    'data/ids.csv',
    'environment.yml',
    'src/env.py',
    'kaggle.json.md',
    'keyboard.py',
    'notes/.gitkeep',
    'ssh/config',
    'my.git/file',
  ];
  for (const path of ordinary) {
    assert.equal(secretReason(path), undefined, path);
  }
});
