// Renders the harness: two lines of settings (base64 literals only) in front of the
// harness's Python source. Nothing the user wrote appears outside those literals, so no
// param value, path or arg can be read as code, whatever it holds.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exactJson } from '../config/param-value.js';
import { InternalError, errorMessage } from '../errors.js';
import { packageRoot, packageVersion } from '../util/package-root.js';
import type { HarnessSettings } from './settings.js';
import { HARNESS_HEADER } from './rendered.js';

export {
  acceleratorKindOf,
  settingsForJob,
  type AcceleratorKind,
  type HarnessCode,
  type HarnessSettings,
} from './settings.js';

/**
 * The assembled harness, relative to the package root: built from harness/ by
 * scripts/assemble-harness.mjs (`npm run build`) and shipped in the npm package.
 */
export const HARNESS_PATH = 'dist/harness/harness.py';

/** The harness's embedded files (name -> text, JSON) beside it, for spare kernels. */
export const HARNESS_MODULES_PATH = 'dist/harness/modules.json';

let cachedSource: string | undefined;
let cachedVersion: string | undefined;

export function harnessSource(): string {
  if (cachedSource === undefined) {
    const path = join(packageRoot(), HARNESS_PATH);
    try {
      cachedSource = readFileSync(path, 'utf8');
    } catch (error) {
      throw new InternalError(
        `kaggle-run's harness is missing at ${path}: ${errorMessage(error)}`,
        {
          hint: 'reinstall kaggle-run (in a checkout: npm run build)',
        },
      );
    }
  }
  return cachedSource;
}

function base64Of(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * The self-contained Python program for one run. `codeZip` is required with
 * `code.mode === 'inline'` (it travels inside the script) and refused otherwise.
 */
export function renderHarness(settings: HarnessSettings, codeZip?: Uint8Array): string {
  if (settings.code.mode === 'inline' && codeZip === undefined) {
    throw new InternalError('renderHarness: inline code mode needs the code zip');
  }
  if (settings.code.mode === 'file' && codeZip !== undefined) {
    throw new InternalError('renderHarness: the code zip was given but the code comes from a file');
  }
  cachedVersion ??= packageVersion();
  // Exact JSON: a float stays a float, big ints keep their digits, nan and inf survive.
  const settingsB64 = Buffer.from(exactJson(settings), 'utf8').toString('base64');
  const codeB64 = codeZip === undefined ? '' : base64Of(codeZip);
  return (
    `${HARNESS_HEADER}${cachedVersion}, generated; do not edit\n` +
    `KAGGLE_RUN_SETTINGS_B64 = '${settingsB64}'\n` +
    `KAGGLE_RUN_CODE_B64 = '${codeB64}'\n` +
    harnessSource()
  );
}
