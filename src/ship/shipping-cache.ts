// What this project shipped before, kept in `.kaggle-run/cache/shipping.json`: per dataset
// (and endpoint), the content hash of the version it uploaded, that version's number and
// files, and each local file's size, mtime and sha256. A re-run whose files have the same
// size and mtime reuses their hashes (no re-read), and a dataset whose content hash and
// version are unchanged is not uploaded again.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../util/atomic-write.js';

export interface CachedFile {
  name: string;
  size: number;
  mtimeMs: number;
  sha256: string;
}

export interface CachedDataset {
  contentHash: string;
  version: number | null;
  files: CachedFile[];
}

interface CacheFile {
  schemaVersion: 1;
  datasets: Record<string, CachedDataset>;
}

export class ShippingCache {
  private data: CacheFile = { schemaVersion: 1, datasets: {} };

  private readonly path: string;

  private constructor(private readonly storeRoot: string) {
    this.path = join(storeRoot, 'cache', 'shipping.json');
  }

  /** The cache under a store folder (`.kaggle-run`); a missing or broken file is empty. */
  static async open(storeRoot: string): Promise<ShippingCache> {
    const cache = new ShippingCache(storeRoot);
    try {
      const parsed = JSON.parse(await readFile(cache.path, 'utf8')) as Partial<CacheFile>;
      if (parsed.schemaVersion === 1 && typeof parsed.datasets === 'object') {
        cache.data = { schemaVersion: 1, datasets: parsed.datasets };
      }
    } catch {
      // No cache yet, or unreadable: everything is hashed and checked afresh.
    }
    return cache;
  }

  static key(endpoint: string | undefined, ref: string): string {
    return `${endpoint ?? 'https://www.kaggle.com'}|${ref}`;
  }

  get(key: string): CachedDataset | undefined {
    return this.data.datasets[key];
  }

  /** Re-reads the file first so that two runs shipping different datasets keep both. */
  async put(key: string, entry: CachedDataset): Promise<void> {
    const fresh = await ShippingCache.open(this.storeRoot);
    this.data = fresh.data;
    this.data.datasets[key] = entry;
    await writeJsonAtomic(this.path, this.data);
  }
}
