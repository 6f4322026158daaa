// Files are downloaded from signed, expiring URLs without credentials, as Kaggle hands out
// storage URLs: `/files/<token>/<path>`, the token being the file's address and expiry plus an
// HMAC of them with a per-server secret. An address names a scope (a kernel version's output,
// a dataset version, a seeded competition or model version) and a path inside it, or the
// whole scope as one zip.

import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';

const scopeSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('kernel'),
    owner: z.string(),
    slug: z.string(),
    version: z.number().int(),
  }),
  z.object({
    kind: z.literal('dataset'),
    owner: z.string(),
    slug: z.string(),
    version: z.number().int(),
  }),
  z.object({ kind: z.literal('competition'), slug: z.string() }),
  z.object({
    kind: z.literal('model'),
    owner: z.string(),
    model: z.string(),
    framework: z.string(),
    variation: z.string(),
    version: z.number().int(),
  }),
]);

/** What a signed URL gives access to. */
export type FileScope = z.infer<typeof scopeSchema>;

export interface FileAddress {
  scope: FileScope;
  /** POSIX path inside the scope's folder; for an archive, the name the zip is served under. */
  path: string;
  /** The scope's files as one zip (named by `path`), instead of one file. */
  archive?: boolean | undefined;
}

const payloadSchema = z.object({
  s: scopeSchema,
  a: z.literal(1).optional(),
  /** Expiry, seconds since the epoch. */
  e: z.number(),
});
type TokenPayload = z.infer<typeof payloadSchema>;

/** The scope's fields in a fixed order, so the signature does not depend on key order. */
function scopeParts(scope: FileScope): (string | number)[] {
  switch (scope.kind) {
    case 'kernel':
    case 'dataset':
      return [scope.kind, scope.owner, scope.slug, scope.version];
    case 'competition':
      return [scope.kind, scope.slug];
    case 'model':
      return [
        scope.kind,
        scope.owner,
        scope.model,
        scope.framework,
        scope.variation,
        scope.version,
      ];
  }
}

function signature(secret: string, payload: TokenPayload, path: string): Buffer {
  return createHmac('sha256', secret)
    .update(JSON.stringify([scopeParts(payload.s), payload.a ?? 0, path, payload.e]))
    .digest();
}

/** Percent-encodes each segment of a POSIX path, keeping the slashes. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export function signFileUrl(
  origin: string,
  secret: string,
  address: FileAddress,
  expiresAtSeconds: number,
): string {
  const payload: TokenPayload = {
    s: address.scope,
    ...(address.archive === true ? { a: 1 as const } : {}),
    e: Math.floor(expiresAtSeconds),
  };
  const token = `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature(
    secret,
    payload,
    address.path,
  ).toString('base64url')}`;
  return `${origin}/files/${token}/${encodePath(address.path)}`;
}

export type VerifyResult =
  { ok: true; address: FileAddress } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

/** Checks a token against the (decoded) path it came with. */
export function verifyFileToken(
  secret: string,
  token: string,
  path: string,
  nowSeconds: number,
): VerifyResult {
  const [payloadPart, sigPart, extra] = token.split('.');
  if (payloadPart === undefined || sigPart === undefined || extra !== undefined) {
    return { ok: false, reason: 'malformed' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const payload = payloadSchema.safeParse(parsed);
  if (!payload.success) return { ok: false, reason: 'malformed' };
  const expected = signature(secret, payload.data, path);
  const given = Buffer.from(sigPart, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signature' };
  }
  if (payload.data.e <= nowSeconds) return { ok: false, reason: 'expired' };
  return {
    ok: true,
    address: {
      scope: payload.data.s,
      path,
      ...(payload.data.a === 1 ? { archive: true } : {}),
    },
  };
}
