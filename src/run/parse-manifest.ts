import { PlatformError } from '../errors.js';
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
  const m = value as Partial<Manifest>;
  if (
    typeof m !== 'object' ||
    m === null ||
    typeof m.nonce !== 'string' ||
    !Array.isArray(m.files) ||
    !m.files.every(
      (f) =>
        typeof f?.path === 'string' && typeof f.size === 'number' && typeof f.sha256 === 'string',
    )
  ) {
    throw new PlatformError('the run manifest is malformed');
  }
  return m as Manifest;
}
