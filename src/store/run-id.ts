import { randomBytes } from 'node:crypto';

/** Sortable, readable run ids: `20261123-101502-hello-3fa9`. */
export function newRunId(jobSlug: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const slug = jobSlug.slice(0, 40) || 'job';
  return `${stamp}-${slug}-${randomBytes(2).toString('hex')}`;
}

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}
