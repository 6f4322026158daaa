// Output files are downloaded from signed, expiring URLs without credentials, as Kaggle hands
// out storage URLs: `/files/<token>/<path>`, the token being the file's address and expiry
// plus an HMAC of them with a per-server secret.

import { createHmac, timingSafeEqual } from 'node:crypto';

export interface FileAddress {
  owner: string;
  slug: string;
  version: number;
  /** POSIX path relative to the version's working folder. */
  path: string;
}

interface TokenPayload {
  o: string;
  s: string;
  v: number;
  /** Expiry, seconds since the epoch. */
  e: number;
}

function signature(secret: string, payload: TokenPayload, path: string): Buffer {
  return createHmac('sha256', secret)
    .update(JSON.stringify([payload.o, payload.s, payload.v, path, payload.e]))
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
    o: address.owner,
    s: address.slug,
    v: address.version,
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
  let payload: TokenPayload;
  try {
    payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as TokenPayload;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (
    typeof payload.o !== 'string' ||
    typeof payload.s !== 'string' ||
    typeof payload.v !== 'number' ||
    typeof payload.e !== 'number'
  ) {
    return { ok: false, reason: 'malformed' };
  }
  const expected = signature(secret, payload, path);
  const given = Buffer.from(sigPart, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signature' };
  }
  if (payload.e <= nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, address: { owner: payload.o, slug: payload.s, version: payload.v, path } };
}
