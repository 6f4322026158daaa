// Opaque page tokens. A token pins the kernel version it started listing, so a push in the
// middle of a listing does not mix two versions' files.

import { HttpError } from './http-util.js';

export interface PagePosition {
  /** Kernel id, so a token cannot be replayed against another kernel. */
  kernel: number;
  version: number;
  offset: number;
}

export function encodePageToken(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.kernel, position.version, position.offset])).toString(
    'base64url',
  );
}

export function decodePageToken(token: string, kernelId: number): PagePosition {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  if (
    !Array.isArray(parts) ||
    parts.length !== 3 ||
    !parts.every((n) => Number.isInteger(n) && (n as number) >= 0) ||
    parts[0] !== kernelId
  ) {
    throw new HttpError(
      400,
      `Invalid pageToken "${token}": pass a nextPageToken from this kernel.`,
    );
  }
  const [kernel, version, offset] = parts as [number, number, number];
  return { kernel, version, offset };
}

/** Page size as Kaggle applies it: default when missing or not positive, clamped to the max. */
export function pageSize(requested: number | undefined, fallback: number, max: number): number {
  if (requested === undefined || !Number.isFinite(requested) || requested <= 0) return fallback;
  return Math.min(Math.floor(requested), max);
}
