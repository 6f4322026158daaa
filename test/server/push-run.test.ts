import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  basic,
  kernelStdout,
  listAllOutput,
  ME,
  push,
  release,
  rpc,
  scriptPush,
  startTestServer,
  waitForEnd,
  waitForGo,
} from './helpers.js';
import { waitUntil } from '../helpers/wait.js';

const WRITES_FILES = `
import os
os.makedirs('sub/dir', exist_ok=True)
for name in ['a.txt', 'b.txt', 'c.txt', 'sub/dir/model.txt']:
    with open(name, 'w') as f:
        f.write('content of ' + name)
with open('big.bin', 'wb') as f:
    f.write(bytes(range(256)) * 40)
print('hello from the kernel')
`;

void test('a pushed script runs to COMPLETE; outputs are paged and downloadable from signed URLs', async (t) => {
  let clockOffset = 0;
  const server = await startTestServer(t, { now: () => Date.now() + clockOffset });
  const pushed = await push(
    server,
    scriptPush('writes-files', WRITES_FILES, { newTitle: 'Writes Files' }),
  );
  assert.equal(pushed.ref, 'me/writes-files');
  assert.equal(pushed.versionNumber, 1);
  assert.equal(typeof pushed.kernelId, 'number');
  assert.equal(pushed.url, `${server.url}/code/me/writes-files`);
  assert.deepEqual(await waitForEnd(server, 'writes-files'), { status: 'COMPLETE' });

  const { pages, files } = await listAllOutput(server, 'writes-files', 2);
  assert.equal(pages.length, 3);
  assert.deepEqual(
    files.map((f) => f.fileName),
    ['a.txt', 'b.txt', 'big.bin', 'c.txt', 'sub/dir/model.txt'],
  );
  const log = pages[0]?.log as string;
  assert.match(
    log,
    /^\[\{"stream_name":"stdout","time":[0-9.]+,"data":"hello from the kernel\\n"\}\n\]$/,
  );
  assert.equal(pages[1]?.log, '');

  // No Authorization header: the URL itself is the credential.
  const model = files.find((f) => f.fileName === 'sub/dir/model.txt')!;
  assert.ok(model.url.startsWith(`${server.url}/files/`));
  const download = await fetch(model.url);
  assert.equal(download.status, 200);
  assert.equal(
    download.headers.get('content-length'),
    String('content of sub/dir/model.txt'.length),
  );
  assert.equal(await download.text(), 'content of sub/dir/model.txt');

  // Resume with Range.
  const big = files.find((f) => f.fileName === 'big.bin')!;
  const whole = Buffer.from(await (await fetch(big.url)).arrayBuffer());
  assert.equal(whole.length, 10240);
  const rest = await fetch(big.url, { headers: { Range: 'bytes=10000-' } });
  assert.equal(rest.status, 206);
  assert.equal(rest.headers.get('content-range'), 'bytes 10000-10239/10240');
  assert.equal(rest.headers.get('content-length'), '240');
  assert.deepEqual(Buffer.from(await rest.arrayBuffer()), whole.subarray(10000));
  const beyond = await fetch(big.url, { headers: { Range: 'bytes=20000-' } });
  assert.equal(beyond.status, 416);

  // Another file's path under this token, a changed signature: both refused.
  const otherPath = model.url.replace('sub/dir/model.txt', 'a.txt');
  assert.equal((await fetch(otherPath)).status, 403);
  const token = model.url.split('/files/')[1]!.split('/')[0]!;
  const flipped = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
  assert.equal((await fetch(model.url.replace(token, flipped))).status, 403);
  const traversal = `${server.url}/files/${token}/..%2F..%2Fkernel.json`;
  assert.equal((await fetch(traversal)).status, 403);

  // Two hours later the URL has expired; a fresh listing gives a working one.
  clockOffset = 2 * 3600 * 1000;
  const expired = await fetch(model.url);
  assert.equal(expired.status, 403);
  assert.match(((await expired.json()) as { message: string }).message, /expired/);
  const fresh = await listAllOutput(server, 'writes-files', 20);
  const freshModel = fresh.files.find((f) => f.fileName === 'sub/dir/model.txt')!;
  assert.equal((await fetch(freshModel.url)).status, 200);

  const stats = server.stats();
  assert.equal(stats.pushes['me/writes-files'], 1);
  assert.ok(stats.bytesServed >= 10240 + 240);
  assert.equal(stats.requests['kernels.KernelsApiService/SaveKernel'], 1);
});

void test('a failing script ends as ERROR with a failure message, outputs still listed', async (t) => {
  const server = await startTestServer(t);
  await push(
    server,
    scriptPush('fails-on-purpose', "open('partial.txt', 'w').write('x')\nraise SystemExit(3)"),
  );
  const end = await waitForEnd(server, 'fails-on-purpose');
  assert.equal(end.status, 'ERROR');
  assert.equal(end.failureMessage, 'The kernel exited with code 3.');
  const { files } = await listAllOutput(server, 'fails-on-purpose', 20);
  assert.deepEqual(
    files.map((f) => f.fileName),
    ['partial.txt'],
  );
});

void test('only the latest version status is visible, as on Kaggle', async (t) => {
  const server = await startTestServer(t);
  await push(
    server,
    scriptPush(
      'two-versions',
      waitForGo("print('v1')", "open('v1.txt', 'w')\nraise SystemExit(1)"),
    ),
  );
  const second = await push(
    server,
    scriptPush('two-versions', "open('v2.txt', 'w').write('2')\nprint('v2')"),
  );
  assert.equal(second.versionNumber, 2);
  // v2 completes while v1 is still running; the status is v2's.
  assert.deepEqual(await waitForEnd(server, 'two-versions'), { status: 'COMPLETE' });
  assert.equal(server.stats().sessionsRunning, 1);
  await release(server, 'two-versions', 1);
  await waitUntil('v1 ended', () => server.stats().sessionsRunning === 0);
  // v1 failed after that, but the status still describes v2.
  assert.deepEqual(await waitForEnd(server, 'two-versions'), { status: 'COMPLETE' });
  const { files } = await listAllOutput(server, 'two-versions', 20);
  assert.deepEqual(
    files.map((f) => f.fileName),
    ['v2.txt'],
  );
  // An older version's output can still be asked for by versionLabel.
  const v1 = await rpc(server, 'ListKernelSessionOutput', {
    userName: 'me',
    kernelSlug: 'two-versions',
    versionLabel: '1',
  });
  assert.deepEqual(
    (v1.body.files as { fileName: string }[]).map((f) => f.fileName),
    ['go', 'v1.txt'],
  );
});

void test('pull, list, list files and delete a kernel', async (t) => {
  const server = await startTestServer(t);
  const source = "open('out.csv', 'w').write('a,b\\n1,2\\n')\n";
  await push(server, scriptPush('pull-me-kernel', source, { categoryIds: ['beginner'] }));
  await waitForEnd(server, 'pull-me-kernel');

  const pulled = await rpc(server, 'GetKernel', { userName: 'me', kernelSlug: 'pull-me-kernel' });
  assert.equal(pulled.status, 200);
  const blob = pulled.body.blob as Record<string, unknown>;
  assert.deepEqual(blob, {
    source,
    language: 'python',
    kernelType: 'script',
    slug: 'pull-me-kernel',
  });
  const metadata = pulled.body.metadata as Record<string, unknown>;
  assert.equal(metadata.ref, 'me/pull-me-kernel');
  assert.equal(metadata.title, 'pull-me-kernel');
  assert.equal(metadata.currentVersionNumber, 1);
  assert.deepEqual(metadata.categoryIds, ['beginner']);
  // `slug/N` as the official CLI sends it for owner/slug/N.
  const v1 = await rpc(server, 'GetKernel', { userName: 'me', kernelSlug: 'pull-me-kernel/1' });
  assert.equal((v1.body.blob as Record<string, unknown>).source, source);
  const v9 = await rpc(server, 'GetKernel', { userName: 'me', kernelSlug: 'pull-me-kernel/9' });
  assert.equal(v9.status, 404);

  const listed = await rpc(server, 'ListKernels', {
    group: 'PROFILE',
    search: 'pull',
    kernelType: 'all',
    language: 'all',
    page: 1,
    pageSize: 20,
  });
  assert.deepEqual(
    (listed.body.kernels as { ref: string }[]).map((k) => k.ref),
    ['me/pull-me-kernel'],
  );
  // Private: not in another user's EVERYONE listing.
  const everyone = await rpc(
    server,
    'ListKernels',
    { group: 'EVERYONE' },
    { auth: basic({ username: 'other', key: 'other-key-4567' }) },
  );
  assert.deepEqual(everyone.body.kernels, []);

  const files = await rpc(server, 'ListKernelFiles', {
    userName: 'me',
    kernelSlug: 'pull-me-kernel',
    pageSize: 20,
  });
  const [file] = files.body.files as { name: string; size: number; creationDate: string }[];
  assert.equal(file?.name, 'out.csv');
  assert.equal(file?.size, 8);
  assert.match(file?.creationDate ?? '', /^\d{1,2}:\d{2} [ap]m, \w+day \d{1,2} \w+ \d{4} UTC$/);

  const deleted = await rpc(server, 'DeleteKernel', {
    userName: 'me',
    kernelSlug: 'pull-me-kernel',
  });
  assert.deepEqual(deleted, { status: 200, body: {}, headers: deleted.headers });
  const gone = await rpc(server, 'GetKernelSessionStatus', {
    userName: 'me',
    kernelSlug: 'pull-me-kernel',
  });
  assert.equal(gone.status, 404);
  assert.equal(gone.body.code, 404);
});

void test('push validation: title must slugify to the slug, kernelType is immutable, bad input is a 400', async (t) => {
  const server = await startTestServer(t);
  const mismatch = await rpc(
    server,
    'SaveKernel',
    scriptPush('my-kernel', 'print(1)', { newTitle: 'Other Title' }),
  );
  assert.equal(mismatch.status, 409);
  assert.match(mismatch.body.message as string, /slugifies to "other-title"/);

  // No slug: the title names the kernel.
  const byTitle = await rpc(server, 'SaveKernel', {
    newTitle: 'By Title Only',
    text: 'print(1)',
    kernelType: 'script',
    language: 'python',
  });
  assert.equal(byTitle.body.ref, 'me/by-title-only');
  await waitForEnd(server, 'by-title-only');

  // A later push by numeric id (preferred over slug) makes version 2.
  const byId = await rpc(server, 'SaveKernel', {
    id: byTitle.body.kernelId,
    slug: 'me/ignored-slug',
    text: 'print(2)',
  });
  assert.equal(byId.body.ref, 'me/by-title-only');
  assert.equal(byId.body.versionNumber, 2);
  await waitForEnd(server, 'by-title-only');
  const unknownId = await rpc(server, 'SaveKernel', { id: 99999, text: 'print(2)' });
  assert.equal(unknownId.status, 200);
  assert.equal(unknownId.body.error, 'Kernel not found');

  const typeChange = await rpc(server, 'SaveKernel', {
    slug: 'me/by-title-only',
    text: '{"cells": []}',
    kernelType: 'notebook',
  });
  assert.equal(typeChange.status, 400);
  assert.match(typeChange.body.message as string, /cannot change/);

  const badNotebook = await rpc(
    server,
    'SaveKernel',
    scriptPush('bad-notebook', 'not json', { kernelType: 'notebook' }),
  );
  assert.equal(badNotebook.status, 400);
  const badShape = await rpc(
    server,
    'SaveKernel',
    scriptPush('bad-shape', 'print(1)', { machineShape: 'Abacus' }),
  );
  assert.equal(badShape.status, 400);
  assert.match(badShape.body.message as string, /Unknown machineShape "Abacus"/);
  // Above the maximum is cut to the maximum (12 h), as the official CLI's help promises.
  const tooLong = await rpc(
    server,
    'SaveKernel',
    scriptPush('long-timeout', 'print(1)', { sessionTimeoutSeconds: 999999 }),
  );
  assert.equal(tooLong.status, 200);
  const stored = JSON.parse(
    await readFile(join(server.dataDir, 'kernels', 'me', 'long-timeout', 'kernel.json'), 'utf8'),
  ) as { versions: { timeoutSeconds: number }[] };
  assert.equal(stored.versions[0]?.timeoutSeconds, 12 * 3600);
  const zeroTimeout = await rpc(
    server,
    'SaveKernel',
    scriptPush('zero-timeout', 'print(1)', { sessionTimeoutSeconds: 0 }),
  );
  assert.equal(zeroTimeout.status, 400);
  const wrongType = await rpc(
    server,
    'SaveKernel',
    scriptPush('wrong-type', 'print(1)', { isPrivate: 'yes' }),
  );
  assert.equal(wrongType.status, 400);
  assert.match(wrongType.body.message as string, /isPrivate/);

  const sources = await rpc(
    server,
    'SaveKernel',
    scriptPush('with-sources', 'print(1)', {
      datasetDataSources: ['me/some-data'],
      competitionDataSources: ['titanic'],
    }),
  );
  assert.equal(sources.status, 200);
  assert.deepEqual(sources.body.invalidDatasetSources, ['me/some-data']);
  assert.deepEqual(sources.body.invalidCompetitionSources, ['titanic']);
  assert.equal(sources.body.error, undefined);
  const created = await rpc(server, 'GetKernel', { userName: 'me', kernelSlug: 'with-sources' });
  const attached = created.body.metadata as Record<string, unknown>;
  assert.deepEqual([attached.datasetDataSources, attached.competitionDataSources], [[], []]);
  assert.equal(ME.username, 'me');
});

void test('a kernel source mounts another kernel output under input/notebooks/<owner>/<slug>/', async (t) => {
  const server = await startTestServer(t);
  await push(server, scriptPush('producer-kernel', "open('data.txt', 'w').write('42')"));
  await waitForEnd(server, 'producer-kernel');
  await push(
    server,
    scriptPush(
      'consumer-kernel',
      [
        'import json, os',
        "print(open(os.path.join(os.environ['KAGGLE_RUN_INPUT_DIR'], 'notebooks', 'me', 'producer-kernel', 'data.txt')).read())",
        "folder = json.loads(os.environ['KAGGLE_RUN_INPUTS'])['me/producer-kernel']",
        "print(open(os.path.join(folder, 'data.txt')).read())",
      ].join('\n'),
      { kernelDataSources: ['me/producer-kernel'] },
    ),
  );
  assert.deepEqual(await waitForEnd(server, 'consumer-kernel'), { status: 'COMPLETE' });
  // Both prints, in one entry or two (an entry holds the lines of one read of the pipe).
  assert.match(await kernelStdout(server, 'consumer-kernel'), /^42\n42\n$/m);
});
