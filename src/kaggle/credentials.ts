// Finds the user's Kaggle credentials in the official CLI 2.2.3 order (protocol.md 2.1-2.2):
//   1. an access token: KAGGLE_API_TOKEN (the token, or a path to a file holding it), else
//      ~/.kaggle/access_token, else ~/.kaggle/access_token.txt. Only the first one found is
//      tried, as by the CLI: IntrospectToken must say {active: true, username}; a 400/403/404
//      or an inactive token silently falls through to 2; other errors propagate.
//   2. a legacy key: kaggle.json in the config dir, overlaid by KAGGLE_USERNAME / KAGGLE_KEY,
//      sent as HTTP Basic.
// The OAuth credentials.json of `kaggle auth login` is not read (no refresh flow here).
// Warnings (readable kaggle.json, ignored broken file) are returned, never printed.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readEnv } from '../env.js';
import { CredentialsError, KaggleApiError } from './errors.js';
import type { KaggleHttp } from './http.js';
import { secretsOf } from './redact.js';

export interface Credentials {
  kind: 'token' | 'basic';
  username: string;
  /** The Authorization header value. */
  authorization: string;
  /** Where it came from, for `doctor`: an env var name or a file path (never the value). */
  source: string;
  /** Values to mask in every message. */
  secrets: string[];
}

export interface ResolvedCredentials {
  credentials: Credentials;
  warnings: string[];
}

export interface CredentialOptions {
  /** An unauthenticated client on the chosen endpoint, for token introspection. */
  http: KaggleHttp;
  env?: NodeJS.ProcessEnv | undefined;
  home?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** `$KAGGLE_CONFIG_DIR`, else `~/.kaggle` if it exists, else `$XDG_CONFIG_HOME/kaggle` or `~/.config/kaggle`. */
export function kaggleConfigDir(env: NodeJS.ProcessEnv, home: string): string {
  const explicit = readEnv('KAGGLE_CONFIG_DIR', env);
  if (explicit !== undefined) return explicit;
  const dotKaggle = join(home, '.kaggle');
  if (existsSync(dotKaggle)) return dotKaggle;
  return join(readEnv('XDG_CONFIG_HOME', env) ?? join(home, '.config'), 'kaggle');
}

/** The first access token found, and where; files are read and stripped. */
export function findAccessToken(
  env: NodeJS.ProcessEnv,
  home: string,
): { token: string; source: string } | undefined {
  const fromEnv = readEnv('KAGGLE_API_TOKEN', env)?.trim();
  if (fromEnv !== undefined) {
    if (isFile(fromEnv)) {
      const token = readFileSync(fromEnv, 'utf8').trim();
      if (token) return { token, source: `KAGGLE_API_TOKEN (file ${fromEnv})` };
    } else {
      return { token: fromEnv, source: 'KAGGLE_API_TOKEN' };
    }
  }
  for (const name of ['access_token', 'access_token.txt']) {
    const path = join(home, '.kaggle', name);
    if (!isFile(path)) continue;
    const token = readFileSync(path, 'utf8').trim();
    if (token) return { token, source: path };
  }
  return undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Asks the server who the token belongs to; undefined when it is not accepted. */
async function introspect(
  http: KaggleHttp,
  token: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  try {
    // The token is a secret from here on: an error echoing it must not show it.
    const authed = http.withCredentials(`Bearer ${token}`, secretsOf({ token }));
    const json = await authed.rpc(
      'security.OAuthService',
      'IntrospectToken',
      { token },
      { idempotent: true, signal },
    );
    return json.active === true && typeof json.username === 'string' && json.username
      ? json.username
      : undefined;
  } catch (error) {
    if (error instanceof KaggleApiError && [400, 403, 404].includes(error.effectiveStatus))
      return undefined;
    throw error;
  }
}

function readKaggleJson(path: string, warnings: string[]): { username?: string; key?: string } {
  if (!isFile(path)) return {};
  if (process.platform !== 'win32' && (statSync(path).mode & 0o044) !== 0) {
    warnings.push(
      `Your Kaggle API key is readable by other users on this system! To fix this, run 'chmod 600 ${path}'`,
    );
  }
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    const obj =
      typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    const out: { username?: string; key?: string } = {};
    if (typeof obj.username === 'string' && obj.username) out.username = obj.username;
    if (typeof obj.key === 'string' && obj.key) out.key = obj.key;
    return out;
  } catch {
    // Never quote the parse error: it can include a piece of the key.
    warnings.push(
      `${path} is not valid JSON; ignored it (expected {"username": "...", "key": "..."})`,
    );
    return {};
  }
}

function missingMessage(home: string, configDir: string, notes: string[]): string {
  const json = join(configDir, 'kaggle.json');
  return [
    'no Kaggle credentials found.',
    ...notes,
    'Put one of these in place:',
    `  - an API token (kaggle.com > Settings > API > Create New Token) in KAGGLE_API_TOKEN, or in ${join(home, '.kaggle', 'access_token')}`,
    `  - a legacy API key in ${json}: {"username": "<your user>", "key": "<your key>"}, then run 'chmod 600 ${json}'`,
    '  - KAGGLE_USERNAME and KAGGLE_KEY in the environment',
  ].join('\n');
}

export async function resolveCredentials(options: CredentialOptions): Promise<ResolvedCredentials> {
  const env = options.env ?? process.env;
  // HOME as the caller's environment has it (the official CLI's `~` follows HOME too), so a
  // host program or a test that gives kaggle-run another environment gets its files.
  const home = options.home ?? readEnv('HOME', env) ?? homedir();
  const warnings: string[] = [];
  const notes: string[] = [];

  const found = findAccessToken(env, home);
  if (found) {
    const username = await introspect(options.http, found.token, options.signal);
    if (username !== undefined) {
      return {
        credentials: {
          kind: 'token',
          username,
          authorization: `Bearer ${found.token}`,
          source: found.source,
          secrets: secretsOf({ token: found.token }),
        },
        warnings,
      };
    }
    notes.push(`The access token from ${found.source} was not accepted by the Kaggle API.`);
  }

  const configDir = kaggleConfigDir(env, home);
  const jsonPath = join(configDir, 'kaggle.json');
  const fromFile = readKaggleJson(jsonPath, warnings);
  const username = readEnv('KAGGLE_USERNAME', env) ?? fromFile.username;
  const key = readEnv('KAGGLE_KEY', env) ?? fromFile.key;
  if (username !== undefined && key !== undefined) {
    const fromEnv = readEnv('KAGGLE_KEY', env) !== undefined;
    return {
      credentials: {
        kind: 'basic',
        username,
        authorization: `Basic ${Buffer.from(`${username}:${key}`).toString('base64')}`,
        source: fromEnv ? 'KAGGLE_USERNAME/KAGGLE_KEY' : jsonPath,
        secrets: secretsOf({ username, key }),
      },
      warnings,
    };
  }
  if (username !== undefined || key !== undefined) {
    notes.push(
      `Found a Kaggle ${username === undefined ? 'key' : 'user name'} but no ${username === undefined ? 'user name' : 'key'}: both are needed.`,
    );
  }
  throw new CredentialsError(missingMessage(home, configDir, notes), {
    hint: 'Run `kaggle-run doctor` to check the setup.',
  });
}
