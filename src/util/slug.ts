/** Kaggle's slug rule: lower case, runs of anything but letters and digits become one '-'. */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Kaggle's longest kernel or dataset slug. */
export const KAGGLE_SLUG_LIMIT = 50;

/**
 * `<base>-<suffix>` within Kaggle's 50 characters: the base is cut (and left without a
 * trailing '-') so that the suffix, which tells the slugs of one job apart, always survives.
 */
export function limitedSlug(base: string, suffix?: string): string {
  const tail = suffix === undefined || suffix === '' ? '' : `-${suffix}`;
  return `${base.slice(0, KAGGLE_SLUG_LIMIT - tail.length).replace(/-+$/, '')}${tail}`;
}

/** `kaggle-run-<job>`, the stem of every kernel and dataset slug a job gets. */
export function jobSlug(jobName: string, suffix?: string): string {
  return limitedSlug(`kaggle-run-${slugify(jobName)}`, suffix);
}
