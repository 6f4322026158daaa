// Kernel references ("owner/slug") and Kaggle's title-to-slug rule.

import { UsageError } from '../errors.js';

export interface KernelRef {
  owner: string;
  slug: string;
}

/**
 * Kaggle's slug of a title (python-slugify as the CLI uses it): accents folded to ASCII,
 * lower-case, every run of other characters becomes one '-', no '-' at either end.
 */
export function slugify(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Parses "owner/slug"; anything else is a usage error that shows the expected shape. */
export function parseKernelRef(ref: string): KernelRef {
  const parts = ref.trim().split('/');
  const [owner, slug] = parts;
  if (parts.length !== 2 || !owner || !slug) {
    throw new UsageError(`invalid kernel reference ${JSON.stringify(ref)}`, {
      hint: 'Write it as OWNER/SLUG, e.g. alice/my-kernel.',
    });
  }
  return { owner, slug };
}

export function formatKernelRef(ref: KernelRef): string {
  return `${ref.owner}/${ref.slug}`;
}
