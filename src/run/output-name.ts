// Output file names come from the platform (the manifest, the listing), so from whoever runs
// the server. A name is taken only when it is a plain relative POSIX path that stays inside
// the output folder: `.` (the folder itself), `..`, absolute paths, empty segments,
// backslashes and control characters are refused, each with the reason.

import { hasUnprintable } from '../util/printable.js';

/** Longer names are no file any platform makes. */
const MAX_NAME_LENGTH = 4096;

/** Why `name` cannot be an output file's path, or undefined when it can. */
export function badOutputName(name: string): string | undefined {
  if (name === '') return 'the name is empty';
  if (name.length > MAX_NAME_LENGTH) return `the name is longer than ${MAX_NAME_LENGTH} characters`;
  if (hasUnprintable(name)) return 'the name holds control characters';
  if (name.includes('\\')) return 'the name holds a backslash';
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) return 'the name is an absolute path';
  const parts = name.split('/');
  if (parts.some((p) => p === '..')) return 'the name climbs out of the folder (..)';
  if (parts.some((p) => p === '' || p === '.')) return 'the name has an empty or `.` segment';
  return undefined;
}
