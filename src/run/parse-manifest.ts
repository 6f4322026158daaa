import { PlatformError } from '../errors.js';
import { schemaProblem } from '../harness/schema.js';
import type { Manifest } from '../manifest.js';

/**
 * The largest manifest taken: a line per output file, so this allows hundreds of thousands
 * of them, while an endless answer stops here instead of filling the disk.
 */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/** Parses the harness's manifest, refusing anything that is not shaped like one. */
export function parseManifest(text: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PlatformError('the run manifest is not valid JSON');
  }
  // The shape is the harness contract's, the one the harness's own tests write it to.
  const problem = schemaProblem(value, 'manifest');
  if (problem !== undefined) {
    throw new PlatformError(`the run manifest is malformed: ${problem.message}`);
  }
  return value as Manifest;
}
