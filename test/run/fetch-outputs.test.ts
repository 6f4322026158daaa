import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fetchOutputs, selectByGlobs } from '../../src/run/fetch-outputs.js';
import type { Platform, RemoteFile, RunHandle } from '../../src/platform/platform.js';
import { MANIFEST_FILE, type Manifest } from '../../src/manifest.js';
import { sha256Hex } from '../../src/util/hash.js';
import { tempDir } from '../helpers/temp.js';

/** A platform whose "remote" is a folder on disk; `corrupt` serves altered bytes for a path. */
function folderPlatform(root: string, corrupt: Set<string> = new Set()): Platform {
  return {
    name: 'local',
    push: () => Promise.reject(new Error('unused')),
    watch: () => {
      throw new Error('unused');
    },
    status: () => Promise.resolve({ status: 'complete' }),
    listOutputs: async () => {
      const names: RemoteFile[] = [];
      const walk = async (dir: string, rel: string) => {
        for (const e of await readdir(dir, { withFileTypes: true })) {
          const r = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) await walk(join(dir, e.name), r);
          else names.push({ path: r });
        }
      };
      await walk(root, '');
      return names;
    },
    download: async (_h, file, dest) => {
      const bytes = await readFile(join(root, file.path));
      await writeFile(
        dest,
        corrupt.has(file.path) ? Buffer.concat([bytes, Buffer.from('x')]) : bytes,
      );
    },
  };
}

const handle: RunHandle = { platform: 'local', kernel: 'k', version: 1, nonce: 'nonce-1' };

async function remoteWith(
  t: Parameters<typeof tempDir>[0],
  files: Record<string, string>,
  manifestFiles?: Manifest['files'],
  nonce = 'nonce-1',
) {
  const root = await tempDir(t);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  const manifest: Manifest = {
    nonce,
    exitCode: 0,
    error: null,
    failedStep: null,
    startedAt: '',
    endedAt: '',
    durationSeconds: 0,
    pythonVersion: '3.11.0',
    acceleratorAsked: 'none',
    acceleratorSeen: { kind: 'none', names: [], count: 0 },
    files:
      manifestFiles ??
      Object.entries(files).map(([path, text]) => ({
        path,
        size: Buffer.byteLength(text),
        sha256: sha256Hex(text),
      })),
  };
  await writeFile(join(root, MANIFEST_FILE), JSON.stringify(manifest));
  return root;
}

void test('fetches the globbed files, verified, and warns about globs that match nothing', async (t) => {
  const remote = await remoteWith(t, {
    'results/a.json': '{}',
    'results/deep/b.csv': 'x,y\n',
    'other.txt': 'no',
  });
  const out = await tempDir(t);
  const got = await fetchOutputs({
    platform: folderPlatform(remote),
    handle,
    outputDir: out,
    manifestPath: join(out, '..m.json'),
    globs: ['results/**', '*.png'],
    nonce: 'nonce-1',
  });
  assert.deepEqual(
    got.outputs.map((o) => o.path),
    ['results/a.json', 'results/deep/b.csv'],
  );
  assert.equal(await readFile(join(out, 'results/deep/b.csv'), 'utf8'), 'x,y\n');
  assert.equal(existsSync(join(out, 'other.txt')), false);
  assert.deepEqual(got.warnings, ['output glob "*.png" matched no file']);
});

void test('a file whose bytes do not match the manifest is refused and not left in place', async (t) => {
  const remote = await remoteWith(t, { 'model.bin': 'weights' });
  const out = await tempDir(t);
  await assert.rejects(
    fetchOutputs({
      platform: folderPlatform(remote, new Set(['model.bin'])),
      handle,
      outputDir: out,
      manifestPath: join(out, 'm.json'),
      globs: [],
      nonce: 'nonce-1',
    }),
    /does not match the manifest/,
  );
  assert.deepEqual(
    (await readdir(out)).filter((n) => n !== 'm.json'),
    [],
  );
});

void test('outputs of another run (nonce differs) are refused', async (t) => {
  const remote = await remoteWith(t, { 'a.txt': 'a' }, undefined, 'someone-else');
  const out = await tempDir(t);
  await assert.rejects(
    fetchOutputs({
      platform: folderPlatform(remote),
      handle,
      outputDir: out,
      manifestPath: join(out, 'm.json'),
      globs: [],
      nonce: 'nonce-1',
    }),
    /belong to another run/,
  );
});

void test('hostile output names never write outside the output folder', async (t) => {
  for (const evil of ['../escape.txt', '/etc/evil', 'a/../../escape.txt', 'C:/evil']) {
    const remote = await remoteWith(t, { 'ok.txt': 'ok' }, [
      { path: evil, size: 2, sha256: sha256Hex('ok') },
    ]);
    const out = join(await tempDir(t), 'out');
    await assert.rejects(
      fetchOutputs({
        platform: folderPlatform(remote),
        handle,
        outputDir: out,
        manifestPath: join(out, 'm.json'),
        globs: [],
        nonce: 'nonce-1',
      }),
      /escapes the output folder/,
    );
    assert.equal(existsSync(join(out, '..', 'escape.txt')), false);
  }
});

void test('selectByGlobs keeps dotfiles and reports unused globs', () => {
  const files = [
    { path: '.hidden/x', size: 1, sha256: '' },
    { path: 'y.txt', size: 1, sha256: '' },
  ];
  assert.deepEqual(
    selectByGlobs(files, ['.hidden/**']).selected.map((f) => f.path),
    ['.hidden/x'],
  );
  assert.deepEqual(selectByGlobs(files, []).selected.length, 2);
});
