// Shared by the server tests: a started server with known accounts, raw RPC calls with
// fetch, and waiting for a kernel to finish.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { startServer, type ServerHandle } from '../../src/server/server.js';
import type { ServerOptions } from '../../src/server/options.js';
import { scaled } from '../helpers/machine.js';

export const PYTHON = '/usr/bin/python3';
export const ME = { username: 'me', key: 'me-key-0123' };
export const OTHER = { username: 'other', key: 'other-key-4567' };
export const TOKEN_USER = { username: 'tokenuser', token: 'KGAT_test_token' };

export function basic(account: { username: string; key: string }): string {
  return `Basic ${Buffer.from(`${account.username}:${account.key}`).toString('base64')}`;
}

const cleanups = new WeakMap<TestContext, (() => unknown)[]>();

/**
 * Registers cleanup that runs last-in first-out after the test (node runs `after` hooks in
 * registration order, which would remove a folder before the server using it stopped).
 */
export function onCleanup(t: TestContext, fn: () => unknown): void {
  let stack = cleanups.get(t);
  if (stack === undefined) {
    const fns: (() => unknown)[] = [];
    cleanups.set(t, fns);
    t.after(async () => {
      for (const f of fns.reverse()) await f();
    });
    stack = fns;
  }
  stack.push(fn);
}

export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kaggle-run-server-test-'));
  onCleanup(t, () => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A server for one test, closed (and its data removed) when the test ends. */
export async function startTestServer(
  t: TestContext,
  options: ServerOptions = {},
): Promise<ServerHandle> {
  const dataDir = options.dataDir ?? (await tempDir(t));
  const server = await startServer({
    accounts: [ME, OTHER, TOKEN_USER],
    python: PYTHON,
    sandbox: 'none',
    // Several accounts without bubblewrap: the tests are the one trusted user.
    trustedUser: true,
    ...options,
    dataDir,
  });
  onCleanup(t, () => server.close());
  return server;
}

export interface RpcResult {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

export async function rpc(
  server: { url: string },
  method: string,
  body: unknown = {},
  opts: { auth?: string | null; prefix?: string; service?: string } = {},
): Promise<RpcResult> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  const auth = opts.auth === undefined ? basic(ME) : opts.auth;
  if (auth !== null) headers.Authorization = auth;
  const service = opts.service ?? 'kernels.KernelsApiService';
  const response = await fetch(`${server.url}${opts.prefix ?? '/api/v1'}/${service}/${method}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    headers: response.headers,
  };
}

/** A push body as the official CLI sends it for a Python script. */
export function scriptPush(slug: string, text: string, extra: Record<string, unknown> = {}) {
  return {
    slug: `me/${slug}`,
    text,
    language: 'python',
    kernelType: 'script',
    isPrivate: true,
    enableGpu: false,
    enableInternet: true,
    enableTpu: false,
    ...extra,
  };
}

export async function push(
  server: { url: string },
  body: Record<string, unknown>,
  auth?: string,
): Promise<Record<string, unknown>> {
  const result = await rpc(server, 'SaveKernel', body, auth === undefined ? {} : { auth });
  if (result.status !== 200 || result.body.error !== undefined) {
    throw new Error(`push failed: ${result.status} ${JSON.stringify(result.body)}`);
  }
  return result.body;
}

const TERMINAL = new Set(['COMPLETE', 'ERROR', 'CANCEL_ACKNOWLEDGED']);

/**
 * Polls GetKernelSessionStatus until a terminal status (fails after 30 s on an idle machine,
 * stretched by its slowness, instead of hanging).
 */
export async function waitForEnd(
  server: { url: string },
  slug: string,
  owner = 'me',
  auth?: string,
): Promise<{ status: string; failureMessage?: string }> {
  const deadline = Date.now() + (await scaled(30_000));
  for (;;) {
    const result = await rpc(
      server,
      'GetKernelSessionStatus',
      { userName: owner, kernelSlug: slug },
      auth === undefined ? {} : { auth },
    );
    const status = result.body.status as string | undefined;
    if (result.status === 200 && status !== undefined && TERMINAL.has(status)) {
      return result.body as { status: string; failureMessage?: string };
    }
    if (Date.now() > deadline)
      throw new Error(`kernel ${slug} did not end: ${JSON.stringify(result.body)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Python that blocks until a file named `go` appears in its working folder. */
export function waitForGo(before: string, after: string): string {
  return [
    'import os, sys, time',
    before,
    'sys.stdout.flush()',
    "while not os.path.exists('go'):",
    '    time.sleep(0.02)',
    after,
  ].join('\n');
}

export async function release(server: ServerHandle, slug: string, version: number): Promise<void> {
  // The session may not have started yet: its working folder is then made here.
  const working = join(server.dataDir, 'kernels', 'me', slug, String(version), 'working');
  await mkdir(working, { recursive: true });
  await writeFile(join(working, 'go'), '');
}

export async function listAllOutput(
  server: { url: string },
  slug: string,
  pageSize: number,
): Promise<{ pages: Record<string, unknown>[]; files: { url: string; fileName: string }[] }> {
  const pages: Record<string, unknown>[] = [];
  let pageToken: string | undefined;
  do {
    const result = await rpc(server, 'ListKernelSessionOutput', {
      userName: 'me',
      kernelSlug: slug,
      pageSize,
      ...(pageToken === undefined ? {} : { pageToken }),
    });
    if (result.status !== 200) throw new Error(JSON.stringify(result.body));
    pages.push(result.body);
    pageToken = (result.body.nextPageToken as string) || undefined;
  } while (pageToken !== undefined && pages.length < 100);
  const files = pages.flatMap((p) => p.files as { url: string; fileName: string }[]);
  return { pages, files };
}

/** The environment of a CLI that talks to a test server as ME, with an empty home. */
export async function kaggleEnv(t: TestContext): Promise<NodeJS.ProcessEnv> {
  const home = await tempDir(t);
  return {
    HOME: home,
    KAGGLE_CONFIG_DIR: home,
    KAGGLE_USERNAME: ME.username,
    KAGGLE_KEY: ME.key,
    KAGGLE_API_TOKEN: '',
  };
}

/** What a finished kernel printed on stdout, from its persisted log. */
export function kernelStdout(server: { url: string }, slug: string): Promise<string> {
  return kernelStream(server, slug, 'stdout');
}

/** What a finished kernel printed on one stream, from its persisted log. */
export async function kernelStream(
  server: { url: string },
  slug: string,
  stream: 'stdout' | 'stderr',
): Promise<string> {
  const { pages } = await listAllOutput(server, slug, 20);
  const entries = JSON.parse((pages[0]?.log as string | undefined) || '[]') as {
    stream_name: string;
    data: string;
  }[];
  return entries
    .filter((e) => e.stream_name === stream)
    .map((e) => e.data)
    .join('');
}

/**
 * Pushes a script kernel of mine, waits for it to end COMPLETE (failing the test otherwise)
 * and returns what it printed on stdout.
 */
export async function runScriptKernel(
  server: { url: string },
  slug: string,
  source: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  await push(server, scriptPush(slug, source, extra));
  assert.deepEqual(await waitForEnd(server, slug), { status: 'COMPLETE' });
  return kernelStdout(server, slug);
}

/** Python that prints every file under the input folder, one relative path a line, sorted. */
export const LIST_INPUT = [
  'import os',
  "root = os.environ['KAGGLE_RUN_INPUT_DIR']",
  'found = []',
  'for d, _, files in os.walk(root):',
  '    for f in files:',
  "        p = os.path.relpath(os.path.join(d, f), root).replace(os.sep, '/')",
  "        found.append(p + '=' + open(os.path.join(d, f)).read().strip())",
  "print('\\n'.join(sorted(found)))",
].join('\n');
