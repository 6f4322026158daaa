// One rule for what installed requirements depend on, shared by the local platform's
// project venv and the sessions' wheel cache: the requirements' text (nested files inlined),
// the files it reads and, for lines that install the project itself, its packaging files,
// with what sets the interpreter (the local Python, or the session's image).

import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { sha256Hex } from '../util/hash.js';
import type { ParsedRequirements } from './parse-requirements.js';

/**
 * A 16-hex-digit key for `requirements` read under `root`; `lead` names what else the
 * installed packages depend on (its first entry also tells one kind of key from another).
 */
export async function requirementsKey(
  root: string,
  requirements: ParsedRequirements,
  lead: readonly string[],
): Promise<string> {
  const parts: string[] = [...lead, requirements.text];
  const read = (path: string) => readFile(resolve(root, path), 'utf8').catch(() => '');
  for (const file of requirements.files) parts.push(file, await read(file));
  for (const local of requirements.localPaths) {
    const path = local.replace(/^-e\s+/, '').replace(/^file:(\/\/)?/, '');
    for (const name of ['pyproject.toml', 'setup.py', 'setup.cfg']) {
      parts.push(`${path}/${name}`, await read(join(path, name)));
    }
  }
  return sha256Hex(parts.join('\0')).slice(0, 16);
}
