import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors.js';
import {
  LOCALHOST_BASE,
  PROD_BASE,
  apiPathUrl,
  encodePathSegment,
  kernelWebUrl,
  resolveEndpoint,
  rpcUrl,
} from '../../src/kaggle/endpoint.js';

void test('endpoint precedence: flag > KAGGLE_RUN_ENDPOINT > KAGGLE_API_ENVIRONMENT=LOCALHOST > PROD', () => {
  const env = { KAGGLE_RUN_ENDPOINT: 'http://127.0.0.1:9000', KAGGLE_API_ENVIRONMENT: 'LOCALHOST' };
  assert.deepEqual(resolveEndpoint({ endpoint: 'http://127.0.0.1:8000/', env }), {
    base: 'http://127.0.0.1:8000',
    source: 'flag',
  });
  assert.deepEqual(resolveEndpoint({ env }), {
    base: 'http://127.0.0.1:9000',
    source: 'KAGGLE_RUN_ENDPOINT',
  });
  assert.deepEqual(resolveEndpoint({ env: { KAGGLE_API_ENVIRONMENT: 'LOCALHOST' } }), {
    base: LOCALHOST_BASE,
    source: 'KAGGLE_API_ENVIRONMENT',
  });
  assert.deepEqual(resolveEndpoint({ env: {} }), { base: PROD_BASE, source: 'default' });
  assert.deepEqual(
    resolveEndpoint({ env: { KAGGLE_RUN_ENDPOINT: '  ', KAGGLE_API_ENVIRONMENT: 'PROD' } }),
    {
      base: PROD_BASE,
      source: 'default',
    },
  );
});

void test('other KAGGLE_API_ENVIRONMENT values talk to PROD, like the official CLI, with a warning', () => {
  const resolved = resolveEndpoint({ env: { KAGGLE_API_ENVIRONMENT: 'TEST' } });
  assert.equal(resolved.base, PROD_BASE);
  assert.match(resolved.warning ?? '', /KAGGLE_API_ENVIRONMENT=TEST is ignored/);
});

void test('a given base keeps /api, drops a trailing /v1 and slashes', () => {
  const base = (endpoint: string) => resolveEndpoint({ endpoint, env: {} }).base;
  assert.equal(base('http://127.0.0.1:8080/api'), 'http://127.0.0.1:8080/api');
  assert.equal(base('http://127.0.0.1:8080/api/'), 'http://127.0.0.1:8080/api');
  assert.equal(base('https://example.test/api/v1'), 'https://example.test/api');
  assert.equal(base('https://example.test'), 'https://example.test');
});

void test('a bad endpoint is a usage error naming where it came from', () => {
  for (const bad of ['not a url', 'ftp://host', 'http://host/?q=1', 'http://user:pw@host']) {
    assert.throws(() => resolveEndpoint({ endpoint: bad, env: {} }), UsageError, bad);
  }
  assert.throws(
    () => resolveEndpoint({ env: { KAGGLE_RUN_ENDPOINT: 'nope' } }),
    /KAGGLE_RUN_ENDPOINT/,
  );
});

void test('rpcUrl and apiPathUrl build paths, encoding every parameter', () => {
  assert.equal(
    rpcUrl(PROD_BASE, 'kernels.KernelsApiService', 'GetKernelSessionStatus'),
    'https://api.kaggle.com/v1/kernels.KernelsApiService/GetKernelSessionStatus',
  );
  assert.equal(
    rpcUrl(LOCALHOST_BASE, 'security.OAuthService', 'IntrospectToken'),
    'http://localhost/api/v1/security.OAuthService/IntrospectToken',
  );
  assert.throws(() => rpcUrl(PROD_BASE, 'kernels.KernelsApiService', '../x'));
  assert.equal(
    apiPathUrl('http://h', 'kernels/logs/stream', ['me', 'my kernel/x?']),
    'http://h/v1/kernels/logs/stream/me/my%20kernel%2Fx%3F',
  );
  assert.equal(encodePathSegment('a-b_c.1'), 'a-b_c.1');
  for (const bad of ['', '.', '..']) assert.throws(() => encodePathSegment(bad), UsageError);
  assert.equal(kernelWebUrl('me', 'k'), 'https://www.kaggle.com/code/me/k');
});
