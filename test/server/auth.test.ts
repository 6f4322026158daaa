import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  basic,
  ME,
  OTHER,
  push,
  rpc,
  scriptPush,
  startTestServer,
  TOKEN_USER,
  waitForEnd,
} from './helpers.js';

void test('HTTP Basic with the right key works; a wrong or missing key is 401', async (t) => {
  const server = await startTestServer(t);
  const ok = await rpc(server, 'GetAcceleratorQuotaStatistics', {});
  assert.equal(ok.status, 200);

  const wrong = await rpc(
    server,
    'GetAcceleratorQuotaStatistics',
    {},
    {
      auth: basic({ username: 'me', key: 'not-the-key' }),
    },
  );
  assert.equal(wrong.status, 401);
  assert.deepEqual(wrong.body, { code: 401, message: 'Unauthenticated' });
  const unknownUser = await rpc(
    server,
    'ListKernels',
    {},
    { auth: basic({ username: 'nobody', key: 'x' }) },
  );
  assert.equal(unknownUser.status, 401);
  const missing = await rpc(server, 'ListKernels', {}, { auth: null });
  assert.equal(missing.status, 401);
  const logs = await fetch(`${server.url}/v1/kernels/logs/stream/me/anything`);
  assert.equal(logs.status, 401);
});

void test('a Bearer token is introspected like Kaggle does, then accepted on calls', async (t) => {
  const server = await startTestServer(t);
  const bearer = `Bearer ${TOKEN_USER.token}`;
  const introspected = await rpc(
    server,
    'IntrospectToken',
    { token: TOKEN_USER.token },
    {
      auth: bearer,
      service: 'security.OAuthService',
    },
  );
  assert.deepEqual(introspected.body, { active: true, username: 'tokenuser' });
  // Unknown token: 404, on which the official CLI falls through to the next credential.
  const unknown = await rpc(
    server,
    'IntrospectToken',
    { token: 'KGAT_nope' },
    {
      auth: 'Bearer KGAT_nope',
      service: 'security.OAuthService',
    },
  );
  assert.equal(unknown.status, 404);

  const pushed = await rpc(
    server,
    'SaveKernel',
    { ...scriptPush('token-kernel', 'print(1)'), slug: 'tokenuser/token-kernel' },
    { auth: bearer },
  );
  assert.equal(pushed.body.ref, 'tokenuser/token-kernel');
  const status = await rpc(
    server,
    'GetKernelSessionStatus',
    {
      userName: 'tokenuser',
      kernelSlug: 'token-kernel',
    },
    { auth: bearer },
  );
  assert.equal(status.status, 200);
  const badBearer = await rpc(server, 'ListKernels', {}, { auth: 'Bearer KGAT_nope' });
  assert.equal(badBearer.status, 401);
});

void test("another user's private kernel is 403; a public one is readable but not writable", async (t) => {
  const server = await startTestServer(t);
  await push(server, scriptPush('private-kernel', "open('o.txt','w').write('x')"));
  await push(
    server,
    scriptPush('public-kernel', "open('o.txt','w').write('x')", { isPrivate: false }),
  );
  await waitForEnd(server, 'private-kernel');
  await waitForEnd(server, 'public-kernel');
  const asOther = { auth: basic(OTHER) };

  for (const method of [
    'GetKernelSessionStatus',
    'ListKernelSessionOutput',
    'GetKernel',
    'DeleteKernel',
  ]) {
    const denied = await rpc(
      server,
      method,
      { userName: 'me', kernelSlug: 'private-kernel' },
      asOther,
    );
    assert.equal(denied.status, 403, method);
    assert.equal(denied.body.code, 403);
  }
  const logs = await fetch(`${server.url}/v1/kernels/logs/stream/me/private-kernel`, {
    headers: { Authorization: basic(OTHER) },
  });
  assert.equal(logs.status, 403);

  const readable = await rpc(
    server,
    'GetKernelSessionStatus',
    { userName: 'me', kernelSlug: 'public-kernel' },
    asOther,
  );
  assert.deepEqual(readable.body, { status: 'COMPLETE' });
  const everyone = await rpc(server, 'ListKernels', { group: 'EVERYONE' }, asOther);
  assert.deepEqual(
    (everyone.body.kernels as { ref: string }[]).map((k) => k.ref),
    ['me/public-kernel'],
  );
  const deleteDenied = await rpc(
    server,
    'DeleteKernel',
    { userName: 'me', kernelSlug: 'public-kernel' },
    asOther,
  );
  assert.equal(deleteDenied.status, 403);
  const pushDenied = await rpc(
    server,
    'SaveKernel',
    scriptPush('public-kernel', 'print(2)'),
    asOther,
  );
  assert.equal(pushDenied.status, 403);
  assert.equal(ME.username, 'me');
});

void test('both /v1 and /api/v1 prefixes work; unknown routes and methods are JSON 404s', async (t) => {
  const server = await startTestServer(t);
  const short = await rpc(server, 'GetAcceleratorQuotaStatistics', {}, { prefix: '/v1' });
  const long = await rpc(server, 'GetAcceleratorQuotaStatistics', {}, { prefix: '/api/v1' });
  assert.equal(short.status, 200);
  assert.equal(long.status, 200);
  assert.deepEqual(short.body, long.body);

  const unknownMethod = await rpc(server, 'FlyToTheMoon', {});
  assert.equal(unknownMethod.status, 404);
  assert.deepEqual(unknownMethod.body, {
    code: 404,
    message: 'Unknown method kernels.KernelsApiService/FlyToTheMoon.',
  });
  const nowhere = await fetch(`${server.url}/nowhere`);
  assert.equal(nowhere.status, 404);
  assert.equal(((await nowhere.json()) as { code: number }).code, 404);
  const getRpc = await fetch(`${server.url}/v1/kernels.KernelsApiService/ListKernels`);
  assert.equal(getRpc.status, 405);
  const badJson = await fetch(`${server.url}/v1/kernels.KernelsApiService/ListKernels`, {
    method: 'POST',
    headers: { Authorization: basic(ME) },
    body: '{not json',
  });
  assert.equal(badJson.status, 400);
});
