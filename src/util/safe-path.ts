import { isAbsolute, resolve, sep } from 'node:path';
import { PlatformError } from '../errors.js';

/**
 * Resolves a path named by a platform (an output file name) inside `root`, refusing names
 * that are absolute, contain `..` segments or would land outside it.
 */
export function resolveInside(root: string, name: string): string {
  const normalized = name.replaceAll('\\', '/');
  const parts = normalized.split('/');
  if (
    name === '' ||
    isAbsolute(normalized) ||
    /^[a-zA-Z]:/.test(normalized) ||
    parts.some((p) => p === '..') ||
    normalized.includes('\0')
  ) {
    throw new PlatformError(
      `refusing output file name that escapes the output folder: ${JSON.stringify(name)}`,
    );
  }
  const base = resolve(root);
  const target = resolve(base, ...parts.filter((p) => p !== '' && p !== '.'));
  if (target !== base && !target.startsWith(base + sep)) {
    throw new PlatformError(
      `refusing output file name that escapes the output folder: ${JSON.stringify(name)}`,
    );
  }
  return target;
}
