// Kernel references ("owner/slug") and Kaggle's title-to-slug rule.

import { UsageError } from '../errors.js';

export interface KernelRef {
  owner: string;
  slug: string;
}

/** Kaggle's slug of a title (python-slugify as the CLI uses it). */
export { slugify } from '../util/slug.js';

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
