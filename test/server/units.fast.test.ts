import assert from 'node:assert/strict';
import { test } from 'node:test';
import { humanDate } from '../../src/server/kernel-output.js';
import { formatPersistedLog, sseEvent } from '../../src/server/log-format.js';
import { decodePageToken, encodePageToken, pageSize } from '../../src/server/paging.js';
import { nextQuotaRefresh } from '../../src/server/quota.js';
import { formatProtoDuration, parseProtoDuration } from '../../src/kaggle/enums.js';
import { signFileUrl, verifyFileToken } from '../../src/server/signed-url.js';

void test('persisted logs use one element per line with leading commas', () => {
  assert.equal(formatPersistedLog([]), '[]');
  const text = formatPersistedLog([
    { stream_name: 'stdout', time: 12.3, data: 'hello\n' },
    { stream_name: 'stderr', time: 13, data: 'warn\n' },
  ]);
  assert.equal(
    text,
    '[{"stream_name":"stdout","time":12.3,"data":"hello\\n"}\n,{"stream_name":"stderr","time":13,"data":"warn\\n"}\n]',
  );
  assert.equal((JSON.parse(text) as unknown[]).length, 2);
  assert.equal(
    sseEvent({ stream_name: 'stdout', time: 0.5, data: 'step 1\n' }),
    'data: {"stream_name":"stdout","time":0.5,"data":"step 1\\n"}\n\n',
  );
});

void test('signed URLs verify only for their own path, secret and lifetime', () => {
  const address = {
    scope: { kind: 'kernel' as const, owner: 'me', slug: 'k-slug', version: 3 },
    path: 'dir/a b.txt',
  };
  const url = signFileUrl('http://127.0.0.1:1', 'secret', address, 1000);
  assert.match(url, /^http:\/\/127\.0\.0\.1:1\/files\/[^/]+\/dir\/a%20b\.txt$/);
  const token = url.split('/')[4]!;
  assert.deepEqual(verifyFileToken('secret', token, 'dir/a b.txt', 999), { ok: true, address });
  assert.deepEqual(verifyFileToken('secret', token, 'dir/a b.txt', 1000), {
    ok: false,
    reason: 'expired',
  });
  assert.deepEqual(verifyFileToken('other', token, 'dir/a b.txt', 0), {
    ok: false,
    reason: 'signature',
  });
  assert.deepEqual(verifyFileToken('secret', token, 'dir/c.txt', 0), {
    ok: false,
    reason: 'signature',
  });
  assert.deepEqual(verifyFileToken('secret', 'garbage', 'x', 0), {
    ok: false,
    reason: 'malformed',
  });
  // The same path in another scope, or as an archive, is another URL.
  const dataset = { ...address, scope: { ...address.scope, kind: 'dataset' as const } };
  const other = signFileUrl('http://h', 'secret', dataset, 1000).split('/')[4]!;
  assert.notEqual(other, token);
  const archive = signFileUrl('http://h', 'secret', { ...address, archive: true }, 1000);
  const archiveToken = archive.split('/')[4]!;
  assert.deepEqual(verifyFileToken('secret', archiveToken, 'dir/a b.txt', 0), {
    ok: true,
    address: { ...address, archive: true },
  });
});

void test('page tokens round-trip and refuse other kernels; page sizes clamp', () => {
  const token = encodePageToken({ kernel: 4, version: 2, offset: 40 });
  assert.deepEqual(decodePageToken(token, 4), { kernel: 4, version: 2, offset: 40 });
  assert.throws(() => decodePageToken(token, 5), /Invalid pageToken/);
  assert.throws(() => decodePageToken('tok-page-2', 4), /Invalid pageToken/);
  assert.equal(pageSize(undefined, 20, 200), 20);
  assert.equal(pageSize(0, 20, 200), 20);
  assert.equal(pageSize(500, 20, 200), 200);
  assert.equal(pageSize(7, 20, 200), 7);
});

void test('the quota week ends on the next Saturday 00:00 UTC; durations are proto strings', () => {
  // Wednesday 2026-07-15 10:00 UTC -> Saturday 2026-07-18.
  assert.equal(
    new Date(nextQuotaRefresh(Date.UTC(2026, 6, 15, 10))).toISOString(),
    '2026-07-18T00:00:00.000Z',
  );
  // On a Saturday the refresh is the next one.
  assert.equal(
    new Date(nextQuotaRefresh(Date.UTC(2026, 6, 18, 0, 0, 1))).toISOString(),
    '2026-07-25T00:00:00.000Z',
  );
  assert.equal(formatProtoDuration(0), '0s');
  assert.equal(formatProtoDuration(108000), '108000s');
  assert.equal(formatProtoDuration(151.5), '151.500s');
  assert.equal(parseProtoDuration(formatProtoDuration(151.5)), 151.5);
  assert.equal(
    humanDate(new Date(Date.UTC(2026, 5, 6, 15, 38))),
    '3:38 pm, Saturday 6 June 2026 UTC',
  );
  assert.equal(humanDate(new Date(Date.UTC(2026, 5, 7, 0, 5))), '12:05 am, Sunday 7 June 2026 UTC');
});
