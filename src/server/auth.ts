// Who may call the server. Accounts carry a legacy key (HTTP Basic user:key, as kaggle.json)
// and/or an access token (Bearer, validated by the official CLI through IntrospectToken), and
// optionally the user secrets their kernels read with kaggle_secrets (session-secrets.ts).

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { readEnv } from '../env.js';
import { UsageError, errorMessage } from '../errors.js';

export interface Account {
  username: string;
  /** Legacy API key, sent as HTTP Basic `username:key`. */
  key?: string | undefined;
  /** Access token, sent as `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** Kaggle user secrets by label: `UserSecretsClient().get_secret(label)` in a session. */
  secrets?: Record<string, string> | undefined;
}

/** A secret's label: what `--secret NAME=VALUE` and the accounts file accept. */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

const accountsSchema = z.array(
  z
    .object({
      username: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "_" and "-" only'),
      key: z.string().min(1).optional(),
      token: z.string().min(1).optional(),
      secrets: z
        .record(
          z.string().regex(SECRET_NAME, 'a secret name: letters, digits, "_", "." and "-"'),
          z.string(),
        )
        .optional(),
    })
    .refine((a) => a.key !== undefined || a.token !== undefined, 'needs a "key" or a "token"'),
);

/**
 * Reads `--accounts FILE`: `[{"username": "me", "key": "...", "secrets": {"HF_TOKEN": "..."}},
 * {"username": "t", "token": "..."}]`. Problems are reported by path, never with a value.
 */
export async function loadAccounts(file: string): Promise<Account[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (error) {
    throw new UsageError(`cannot read the accounts file ${file}: ${errorMessage(error)}`, {
      hint: 'Give a JSON array such as [{"username": "me", "key": "0123abcd"}].',
    });
  }
  const result = accountsSchema.safeParse(parsed);
  if (!result.success) {
    const problems = result.error.issues.map(
      (i) => `${i.path.join('.') || '(file)'}: ${i.message}`,
    );
    throw new UsageError(`invalid accounts file ${file}: ${problems.join('; ')}`, {
      hint: 'Each entry is {"username": "...", "key": "..."} or {"username": "...", "token": "..."}.',
    });
  }
  return result.data;
}

/** The one account named by KAGGLE_USERNAME / KAGGLE_KEY, when both are set. */
export function accountsFromEnv(env: NodeJS.ProcessEnv = process.env): Account[] {
  const username = readEnv('KAGGLE_USERNAME', env);
  const key = readEnv('KAGGLE_KEY', env);
  return username !== undefined && key !== undefined ? [{ username, key }] : [];
}

function same(a: string, b: string): boolean {
  // Compare digests so the comparison takes the same time whatever the lengths.
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

export class Authenticator {
  constructor(private readonly accounts: readonly Account[]) {}

  /** The username behind an Authorization header, or undefined when it is missing or wrong. */
  authenticate(header: string | undefined): string | undefined {
    if (header === undefined) return undefined;
    const [scheme, value = ''] = header.trim().split(/\s+/, 2);
    if (scheme?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return undefined;
      const user = decoded.slice(0, colon);
      const key = decoded.slice(colon + 1);
      const account = this.accounts.find((a) => a.username === user);
      return account?.key !== undefined && same(account.key, key) ? account.username : undefined;
    }
    if (scheme?.toLowerCase() === 'bearer') return this.introspect(value);
    return undefined;
  }

  /** The username owning an access token (security.OAuthService/IntrospectToken). */
  introspect(token: string): string | undefined {
    if (token === '') return undefined;
    return this.accounts.find((a) => a.token !== undefined && same(a.token, token))?.username;
  }

  /** The user secrets of `username` (none: an empty object). */
  secretsOf(username: string): Readonly<Record<string, string>> {
    return this.accounts.find((a) => a.username === username)?.secrets ?? {};
  }
}
