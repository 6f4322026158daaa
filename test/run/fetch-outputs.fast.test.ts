import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OutputsFetchError, fetchOutputs, selectByGlobs } from '../../src/run/fetch-outputs.js';
import type { Platform, RemoteFile, RunHandle } from '../../src/platform/platform.js';
import { capabilitiesOf } from '../../src/platform/capabilities.js';
import { MANIFEST_FILE, type Manifest } from '../../src/manifest.js';
import { sha256Hex } from '../../src/util/hash.js';
import { tempDir } from '../helpers/temp.js';

/** A platform whose "remote" is a folder on disk; `corrupt` serves altered bytes for a path. */
function folderPlatform(root: string, corrupt: Set<string> = new Set()): Platform {
  return {
    name: 'local',
    capabilities: capabilitiesOf('local'),
    ship: () => {
      throw new Error('unused');
    },
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

void test('hostile output names are refused, named escaped, and the good outputs still come', async (t) => {
  const evil = [
    '../escape.txt',
    '/etc/evil',
    'a/../../escape.txt',
    'C:/evil',
    '.',
    '..',
    'a//b',
    'dir/',
    '\x1b]0;owned\x07title.txt',
    'line\rrewrite.txt',
    'bell\x07.txt',
  ];
  const remote = await remoteWith(t, { 'ok.txt': 'ok', 'sub/good.txt': 'fine' }, [
    { path: 'ok.txt', size: 2, sha256: sha256Hex('ok') },
    ...evil.map((path) => ({ path, size: 2, sha256: sha256Hex('ok') })),
    { path: 'sub/good.txt', size: 4, sha256: sha256Hex('fine') },
  ]);
  const out = join(await tempDir(t), 'out');
  const got = await fetchOutputs({
    platform: folderPlatform(remote),
    handle,
    outputDir: out,
    manifestPath: join(out, 'm.json'),
    globs: [],
    nonce: 'nonce-1',
  });
  assert.deepEqual(
    got.outputs.map((o) => o.path),
    ['ok.txt', 'sub/good.txt'],
  );
  assert.equal(await readFile(join(out, 'ok.txt'), 'utf8'), 'ok');
  assert.equal(existsSync(join(out, '..', 'escape.txt')), false);
  assert.equal(got.warnings.length, evil.length);
  for (const warning of got.warnings) {
    assert.match(warning, /^output ".*" refused: /);
    assert.ok(
      [...warning].every((ch) => ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) !== 0x7f),
      `no raw control character reaches the terminal: ${JSON.stringify(warning)}`,
    );
  }
  assert.ok(got.warnings.some((w) => w.includes('\\u001b]0;owned\\u0007title.txt')));
});

void test('a failing output does not lose the verified ones, which the error carries', async (t) => {
  const remote = await remoteWith(t, { 'a.txt': 'aaa', 'b.bin': 'bbb', 'c.txt': 'ccc' });
  const out = await tempDir(t);
  await assert.rejects(
    fetchOutputs({
      platform: folderPlatform(remote, new Set(['b.bin'])),
      handle,
      outputDir: out,
      manifestPath: join(out, '..m.json'),
      globs: [],
      nonce: 'nonce-1',
      concurrency: 1,
    }),
    (e: unknown) => {
      assert.ok(e instanceof OutputsFetchError);
      assert.match(e.message, /b\.bin does not match the manifest/);
      assert.deepEqual(
        e.outputs.map((o) => o.path),
        ['a.txt', 'c.txt'],
      );
      return true;
    },
  );
  assert.equal(await readFile(join(out, 'c.txt'), 'utf8'), 'ccc');
});

void test('outputs that failed only because a big one filled the disk are tried again, smallest first', async (t) => {
  const remote = await remoteWith(t, { 'big.bin': 'b'.repeat(100), 'a.txt': 'a', 'cc.txt': 'cc' });
  const out = await tempDir(t);
  // A disk of 50 bytes. big.bin's partial file fills it as its download starts and is gone a
  // few turns later, when it fails; the small ones, written a turn after they start, find
  // it full the first time round, and fit once it is gone.
  const folder = folderPlatform(remote);
  const capacity = 50;
  let used = 0;
  const tried: string[] = [];
  const turns = async (n: number) => {
    for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  const platform: Platform = {
    ...folder,
    download: async (h, file, dest, signal) => {
      if (file.path === MANIFEST_FILE) return folder.download(h, file, dest, signal);
      tried.push(file.path);
      const enospc = () =>
        Object.assign(new Error('ENOSPC: no space left on device, write'), {
          code: 'ENOSPC',
          path: dest,
        });
      if (file.path === 'big.bin') {
        used = capacity;
        await turns(3);
        used = 0;
        throw enospc();
      }
      await turns(1);
      if (used + (file.size ?? 0) + 1 > capacity) throw enospc();
      return folder.download(h, file, dest, signal);
    },
  };
  await assert.rejects(
    fetchOutputs({
      platform,
      handle,
      outputDir: out,
      manifestPath: join(out, '..m.json'),
      globs: [],
      nonce: 'nonce-1',
      concurrency: 3,
    }),
    (e: unknown) => {
      assert.ok(e instanceof OutputsFetchError);
      assert.match(e.message, /no space left on this machine while writing .*big\.bin/);
      assert.doesNotMatch(e.message, /and \d+ more/);
      assert.deepEqual(
        e.outputs.map((o) => o.path),
        ['a.txt', 'cc.txt'],
      );
      return true;
    },
  );
  // The second round went smallest first, and big.bin failed again.
  assert.deepEqual(tried.slice(-3), ['a.txt', 'cc.txt', 'big.bin']);
  assert.equal(await readFile(join(out, 'cc.txt'), 'utf8'), 'cc');
  assert.equal(existsSync(join(out, 'big.bin')), false);
});

void test('temp files a killed fetch left behind are gone once a fetch completes', async (t) => {
  const remote = await remoteWith(t, { 'res/a.txt': 'a' });
  const out = await tempDir(t);
  await mkdir(join(out, 'res'), { recursive: true });
  await writeFile(join(out, 'res', 'a.txt.kaggle-run-0badf00d.partial'), 'half');
  await writeFile(join(out, 'big.bin.kaggle-run-12345678.partial'), 'half');
  await writeFile(join(out, 'mine.partial'), 'not ours');
  await fetchOutputs({
    platform: folderPlatform(remote),
    handle,
    outputDir: out,
    manifestPath: join(out, '..m.json'),
    globs: [],
    nonce: 'nonce-1',
  });
  assert.deepEqual((await readdir(out, { recursive: true })).sort(), [
    '..m.json',
    'mine.partial',
    'res',
    'res/a.txt',
  ]);
});

void test('a manifest of another run is never left as the run manifest', async (t) => {
  const remote = await remoteWith(t, { 'a.txt': 'a' }, undefined, 'other-nonce');
  const out = await tempDir(t);
  const manifestPath = join(out, 'manifest.json');
  await assert.rejects(
    fetchOutputs({
      platform: folderPlatform(remote),
      handle,
      outputDir: join(out, 'outputs'),
      manifestPath,
      globs: [],
      nonce: 'nonce-1',
    }),
    /belong to another run/,
  );
  assert.deepEqual(await readdir(out), []);
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
