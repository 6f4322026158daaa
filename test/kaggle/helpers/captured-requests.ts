// Requests the official CLI was captured sending (test/fixtures/official-cli-requests*.jsonl),
// and the check that our client sent one the same way: method, path, body (keys in order),
// and the headers that matter.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../../src/util/package-root.js';
import { connectKaggle, type KaggleClient } from '../../../src/kaggle/client.js';
import { recordingSleep, type Recorded } from './fake-server.js';

export interface Captured {
  method: string;
  raw_path: string;
  headers: Record<string, string>;
  body: string;
}

/** The captures of one fixture file, in the order the CLI sent them. */
export function readCaptured(fixture: string): Captured[] {
  return readFileSync(join(packageRoot(), 'test/fixtures', fixture), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Captured);
}

export const capturedKey = (c: Captured): string => `${c.method} ${c.raw_path}`;

function header(c: Captured, name: string): string | undefined {
  return Object.entries(c.headers).find(([k]) => k.toLowerCase() === name)?.[1];
}

function bodyOf(text: string): unknown {
  return text === '' ? undefined : JSON.parse(text);
}

/** `got` is the request `want` captured, as the official CLI sent it. */
export function assertSameRequest(want: Captured, got: Recorded | undefined): void {
  const label = capturedKey(want);
  assert.ok(got, label);
  assert.equal(got.method, want.method, label);
  assert.equal(got.path, want.raw_path, label);
  if (want.method === 'PUT') {
    // A blob upload: the raw bytes, their length, and no credentials.
    assert.equal(got.body, want.body, label);
    assert.equal(got.headers['content-length'], header(want, 'content-length'), label);
    assert.equal(got.headers['content-range'], undefined, label);
  } else {
    const wantBody = bodyOf(want.body);
    assert.deepEqual(bodyOf(got.body), wantBody, label);
    if (wantBody !== undefined)
      assert.deepEqual(
        Object.keys(bodyOf(got.body) as object),
        Object.keys(wantBody as object),
        `${label}: key order`,
      );
  }
  assert.equal(got.headers.authorization, header(want, 'authorization'), `${label}: Authorization`);
  assert.equal(got.headers.accept, header(want, 'accept'), `${label}: Accept`);
  assert.equal(got.headers['content-type'], header(want, 'content-type'), `${label}: Content-Type`);
}

/**
 * Our client on a recording server mounted under /api (the official CLI's LOCALHOST layout),
 * with the legacy key the captures were made with (me / 0123456789abcdef).
 */
export function clientAsCaptured(server: { url: string }, home: string): Promise<KaggleClient> {
  return connectKaggle({
    endpoint: `${server.url}/api`,
    home,
    sleep: recordingSleep().sleep,
    env: { KAGGLE_USERNAME: 'me', KAGGLE_KEY: '0123456789abcdef' },
  });
}
