// Credential files that only their content gives away: an `.npmrc` is ordinary registry
// configuration until it holds a token, and a Google service-account key is a JSON file of
// any name. Only files of these kinds, and only small ones, are read, so packing a project
// full of data files costs no extra reads.

import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { secretReason } from './secrets.js';
import { relativeInside } from '../util/safe-path.js';

/** A service-account key is about 2.3 KB; a JSON file far bigger than that is data. */
const jsonLimit = 16 * 1024;
/** Package-manager configuration files are a few lines. */
const rcLimit = 64 * 1024;

const npmToken = /^\s*(?:\/\/[^\s=]*:)?_(?:authToken|auth|password)\s*=/m;
const yarnToken = /^\s*npmAuthToken\s*:/m;
const googleKey = /"type"\s*:\s*"(service_account|authorized_user|external_account)"/;
const googleSecret = /"(private_key|refresh_token|client_secret|credential_source)"\s*:/;

async function readHead(abs: string, limit: number): Promise<string | undefined> {
  const handle = await open(abs, 'r').catch(() => undefined);
  if (handle === undefined) return undefined;
  try {
    const buffer = Buffer.alloc(limit);
    const { bytesRead } = await handle.read(buffer, 0, limit, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Whether the content of `relPath` (POSIX, relative to the root) needs reading at all. */
export function mayHoldSecret(relPath: string, size: number): boolean {
  const name = (relPath.split('/').at(-1) ?? '').toLowerCase();
  if (name === '.npmrc' || name === '.yarnrc.yml') return size <= rcLimit;
  return name.endsWith('.json') && size <= jsonLimit;
}

/**
 * Why the file at `abs` (packed as `relPath`, `size` bytes) is never packed, judging by its
 * content; undefined when it may be.
 */
export async function contentSecretReason(
  relPath: string,
  abs: string,
  size: number,
): Promise<string | undefined> {
  if (!mayHoldSecret(relPath, size)) return undefined;
  const name = (relPath.split('/').at(-1) ?? '').toLowerCase();
  const text = await readHead(abs, Math.max(size, 1));
  if (text === undefined) return undefined;
  if (name === '.npmrc' && npmToken.test(text)) {
    return 'npm configuration holding an auth token (.npmrc) is never packed';
  }
  if (name === '.yarnrc.yml' && yarnToken.test(text)) {
    return 'yarn configuration holding an auth token (.yarnrc.yml) is never packed';
  }
  const kind = googleKey.exec(text)?.[1];
  if (kind !== undefined && googleSecret.test(text)) {
    return `Google Cloud ${kind.replace('_', ' ')} key (a JSON key file) is never packed`;
  }
  return undefined;
}

/**
 * Token files that the environment places inside the project: Hugging Face keeps its token
 * at `$HF_TOKEN_PATH`, else `$HF_HOME/token`; a project that sets HF_HOME to a folder of
 * its own (a common way to keep model downloads beside the code) holds the token too.
 * POSIX paths relative to `realRoot`, each with why.
 */
export function environmentSecrets(
  realRoot: string,
  env: NodeJS.ProcessEnv = process.env,
): Map<string, string> {
  const found = new Map<string, string>();
  const add = (path: string | undefined, reason: string): void => {
    if (path === undefined || path === '') return;
    const rel = relativeInside(realRoot, resolve(path));
    if (rel === undefined) return;
    found.set(rel, reason);
  };
  const hfHome = env.HF_HOME;
  if (hfHome !== undefined && hfHome !== '') {
    add(resolve(hfHome, 'token'), 'Hugging Face token ($HF_HOME/token) is never packed');
    add(
      resolve(hfHome, 'stored_tokens'),
      'Hugging Face tokens ($HF_HOME/stored_tokens) are never packed',
    );
  }
  add(env.HF_TOKEN_PATH, 'Hugging Face token ($HF_TOKEN_PATH) is never packed');
  return found;
}

/** Why a file never ships, by its name (secrets.ts) or its content; undefined when it may. */
export async function fileSecretReason(
  relPath: string,
  abs: string,
  size: number,
): Promise<string | undefined> {
  return secretReason(relPath) ?? (await contentSecretReason(relPath, abs, size));
}
