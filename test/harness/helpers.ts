// Runs the rendered harness with a real Python in real temp folders, the way the local
// platform and Kaggle do: input/ and working/ named by KAGGLE_RUN_INPUT_DIR/WORKING_DIR.

import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { ZipFile } from 'yazl';
import { renderHarness, type HarnessSettings } from '../../src/harness/render.js';
import type { Manifest } from '../../src/manifest.js';
import { tempDir } from '../helpers/temp.js';
import { scaled } from '../helpers/machine.js';

/** Interpreter for script runs; KAGGLE_RUN_TEST_PYTHON checks another one (e.g. 3.8). */
export const scriptPython = process.env.KAGGLE_RUN_TEST_PYTHON ?? 'python3';

export type ZipEntries = Record<string, string | { data: string | Buffer; mode?: number }>;

export async function makeZip(entries: ZipEntries): Promise<Buffer> {
  const zip = new ZipFile();
  for (const [name, value] of Object.entries(entries)) {
    const entry = typeof value === 'string' ? { data: value } : value;
    const data = typeof entry.data === 'string' ? Buffer.from(entry.data) : entry.data;
    zip.addBuffer(data, name, { mode: entry.mode ?? 0o100644, compress: false });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Renames an entry in a finished zip (yazl refuses unsafe names, so they are patched in). */
export function renameEntry(zip: Buffer, from: string, to: string): Buffer {
  if (Buffer.byteLength(from) !== Buffer.byteLength(to))
    throw new Error('names must have equal lengths');
  const out = Buffer.from(zip);
  const needle = Buffer.from(from);
  let found = 0;
  for (let at = out.indexOf(needle); at !== -1; at = out.indexOf(needle, at + 1)) {
    out.write(to, at);
    found++;
  }
  if (found !== 2)
    throw new Error(`expected the name in the local and central headers, found ${found}`);
  return out;
}

export function baseSettings(overrides: Partial<HarnessSettings> = {}): HarnessSettings {
  return {
    version: 1,
    runId: 'run-1',
    nonce: 'nonce-0123456789abcdef',
    entry: 'train.py',
    kind: 'script',
    args: [],
    params: {},
    accelerator: 'none',
    acceleratorKind: 'none',
    strictAccelerator: false,
    requirements: null,
    code: { mode: 'inline' },
    timeoutSeconds: 60,
    secrets: [],
    envFile: null,
    batch: null,
    dropUnchangedCode: false,
    ...overrides,
  };
}

export interface HarnessRun {
  code: number | null;
  stdout: string;
  stderr: string;
  dir: string;
  working: string;
  input: string;
  /** The parsed manifest, when one was written. */
  manifest: Manifest | undefined;
  source: string;
}

export interface RunOptions {
  zip?: Buffer;
  /** Files placed under the input dir before the run (relative path -> bytes). */
  inputs?: Record<string, Buffer>;
  python?: string;
  env?: Record<string, string>;
  /** Called with the child once it runs (e.g. to signal it). */
  onStart?: (pid: number, output: () => string) => void;
}

export async function runHarness(
  t: TestContext,
  settings: HarnessSettings,
  options: RunOptions = {},
): Promise<HarnessRun> {
  const dir = await tempDir(t, 'kaggle-run-harness-');
  const input = join(dir, 'input');
  const working = join(dir, 'working');
  await mkdir(input, { recursive: true });
  for (const [rel, data] of Object.entries(options.inputs ?? {})) {
    await mkdir(dirname(join(input, rel)), { recursive: true });
    await writeFile(join(input, rel), data);
  }
  const source = renderHarness(settings, settings.code.mode === 'inline' ? options.zip : undefined);
  const script = join(dir, 'rendered.py');
  await writeFile(script, source);
  const child = spawn(options.python ?? scriptPython, [script], {
    cwd: dir,
    env: {
      ...process.env,
      KAGGLE_RUN_INPUT_DIR: input,
      KAGGLE_RUN_WORKING_DIR: working,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  // A hung harness fails the test instead of hanging it.
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  options.onStart?.(child.pid ?? -1, () => stdout);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(guard);
  const manifestPath = join(working, 'kaggle-run-manifest.json');
  const manifest = existsSync(manifestPath)
    ? (JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest)
    : undefined;
  return { code, stdout, stderr, dir, working, input, manifest, source };
}

/** A folder holding a fake `nvidia-smi`, to put first on PATH. */
export async function fakeNvidiaSmi(t: TestContext, script: string): Promise<string> {
  const dir = await tempDir(t, 'kaggle-run-fake-bin-');
  await writeFile(join(dir, 'nvidia-smi'), `#!/bin/sh\n${script}\n`);
  await chmod(join(dir, 'nvidia-smi'), 0o755);
  return dir;
}

/** True once the process is gone (or a zombie nobody reaped, which runs nothing). */
export function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}

/** Whether `check` came to hold within `ms` (on an idle machine; stretched by its slowness). */
export async function waitUntil(check: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + (await scaled(ms));
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

function canImport(python: string, modules: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(python, ['-c', `import ${modules}`], { timeout: 20_000 }, (error) => resolve(!error));
  });
}

/** A Python that can run notebooks: /usr/bin/python3 first (Debian's nbclient), then python3. */
export async function notebookPython(): Promise<string | undefined> {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    if (await canImport(candidate, 'nbclient, nbformat, ipykernel')) return candidate;
  }
  return undefined;
}
