import { isAbsolute, relative, resolve, sep } from 'node:path';
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

/**
 * `path` (absolute, or taken from `root`) relative to `root` with `/` separators, when it lies
 * strictly inside `root`; undefined for `root` itself and anything outside it. The one rule
 * for "is inside the root": a name that merely starts with `..` (`..data`) is inside.
 */
export function relativeInside(root: string, path: string): string | undefined {
  const rel = relative(resolve(root), resolve(root, path));
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    return undefined;
  }
  return rel.split(sep).join('/');
}

/** Whether `path` lies strictly inside `root` (see relativeInside). */
export function isInside(root: string, path: string): boolean {
  return relativeInside(root, path) !== undefined;
}
