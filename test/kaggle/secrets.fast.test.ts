// Credentials must never show up in an error, a hint or a warning, even when a server or a
// proxy echoes them back. Each case makes a real failure happen and greps everything a user
// or a log could see for the secret and its wire encodings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KaggleApiPlatform } from '../../src/kaggle/kaggle-platform.js';
import { redact } from '../../src/kaggle/redact.js';
import { json, kernelsRpc, recordingSleep, sendJson, startServer } from './helpers/fake-server.js';
import type { Handler } from './helpers/fake-server.js';

const KEY = 'f00dfacecafe1234beef5678';
const TOKEN = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6'; // legacy shape: no KGAT_ prefix to spot
const BASIC = Buffer.from(`me:${KEY}`).toString('base64');
const forbidden = [KEY, TOKEN, BASIC];

/** Everything about an error a user or a log could see. */
function visible(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; depth++) {
    if (e instanceof Error) {
      parts.push(e.message, String(e.stack), JSON.stringify({ ...e }));
      e = e.cause;
    } else {
      parts.push(typeof e === 'string' ? e : JSON.stringify(e));
      break;
    }
  }
  return parts.join('\n');
}

function assertClean(text: string): void {
  for (const secret of forbidden)
    assert.ok(!text.includes(secret), `leaked ${secret.slice(0, 6)}... in: ${text.slice(0, 300)}`);
}

/** Echoes the request's Authorization header back in every shape a server might. */
const echo =
  (status: number, shape: 'legacy' | 'envelope' | 'text' | 'push'): Handler =>
  (request, response) => {
    // Only what the server could know: the header, its decoded value, the body.
    const header = request.headers.authorization ?? '';
    const decoded = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('utf8');
    const leaked = `your header was ${header} (${decoded}), body ${request.body}`;
    if (shape === 'text') {
      response.writeHead(status, { 'Content-Type': 'text/plain' }).end(leaked);
    } else if (shape === 'envelope') {
      sendJson(response, status, { error: { code: status, message: leaked, status: 'INTERNAL' } });
    } else if (shape === 'push') {
      sendJson(response, 200, { error: leaked, invalidTags: [] });
    } else {
      sendJson(response, status, { code: status, message: leaked });
    }
  };

async function collect(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return visible(error);
  }
  assert.fail('expected a failure');
}

void test('server echoes of credentials are masked in every error', async () => {
  const server = await startServer({
    [kernelsRpc('GetKernelSessionStatus')]: [
      echo(400, 'legacy'),
      echo(401, 'envelope'),
      echo(418, 'text'),
    ],
    [kernelsRpc('ListKernelSessionOutput')]: echo(403, 'legacy'),
    [kernelsRpc('GetKernel')]: json({ metadata: { id: 1, currentVersionNumber: 1 } }),
    [kernelsRpc('SaveKernel')]: echo(200, 'push'),
  });
  const warnings: string[] = [];
  try {
    const platform = new KaggleApiPlatform({
      endpoint: server.url,
      env: { KAGGLE_USERNAME: 'me', KAGGLE_KEY: KEY },
      home: '/nonexistent-home',
      sleep: recordingSleep().sleep,
      onWarning: (w) => warnings.push(w),
    });
    const handle = { platform: 'kaggle' as const, kernel: 'me/k', version: 1, nonce: 'n' };
    const texts = [
      await collect(() => platform.status(handle)),
      await collect(() => platform.status(handle)),
      await collect(() => platform.status(handle)),
      await collect(() => platform.listOutputs(handle)),
      await collect(() =>
        platform.push({
          runId: 'r',
          nonce: 'n',
          slug: 'kaggle-run-x',
          title: 'kaggle-run-x',
          source: 'print(1)',
          inputs: [],
          accelerator: 'none',
          timeoutSeconds: 60,
          internet: false,
          private: true,
          datasets: [],
        }),
      ),
    ];
    for (const text of texts) assertClean(text);
    assert.match(texts[0] ?? '', /your header was Basic \*\*\*/); // the message is still useful
    for (const w of warnings) assertClean(w);
    // Sanity: the secret really was on the wire, so the test could fail.
    assert.ok(server.requests.some((r) => r.headers.authorization === `Basic ${BASIC}`));
  } finally {
    await server.close();
  }
});

void test('a rejected token and a broken kaggle.json holding the key leak nothing', async () => {
  const home = await mkdtemp(join(tmpdir(), 'kr-secrets-'));
  const server = await startServer({
    'POST /v1/security.OAuthService/IntrospectToken': [echo(401, 'legacy'), echo(403, 'envelope')],
  });
  try {
    await mkdir(join(home, '.kaggle'));
    const path = join(home, '.kaggle', 'kaggle.json');
    await writeFile(path, `{"username": "me", "key": "${KEY}"`); // truncated: invalid JSON
    await chmod(path, 0o644);
    const make = () =>
      new KaggleApiPlatform({
        endpoint: server.url,
        env: { KAGGLE_API_TOKEN: TOKEN },
        home,
        sleep: recordingSleep().sleep,
      });
    const handle = { platform: 'kaggle' as const, kernel: 'me/k', version: 1, nonce: 'n' };
    const unauthorized = await collect(() => make().status(handle));
    assertClean(unauthorized);
    assert.match(unauthorized, /401/);
    const missing = await collect(() => make().status(handle)); // 403: falls through to the broken file
    assertClean(missing);
    assert.match(missing, /no Kaggle credentials found/);
  } finally {
    await server.close();
    await rm(home, { recursive: true, force: true });
  }
});

void test('redact masks given secrets and auth-header shapes', () => {
  assert.equal(redact(`a ${KEY} b`, [KEY]), 'a *** b');
  assert.equal(redact('Authorization: Bearer abcdefgh12345678'), 'Authorization: Bearer ***');
  assert.equal(redact('Basic dXNlcjprZXlrZXlrZXk='), 'Basic ***');
  assert.equal(redact('token KGAT_abc-def'), 'token ***');
  assert.equal(redact('nothing secret here', [KEY]), 'nothing secret here');
});
