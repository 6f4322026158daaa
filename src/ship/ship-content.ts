// One content-addressed dataset: uploaded when its content hash differs from what this
// project last shipped there, or when the dataset's latest version is no longer that one
// (someone made another); otherwise left alone, 0 bytes sent. The cache entry is written
// after the version is READY, so a killed upload is simply done again next time.

import type { DatasetAccess } from './ship-context.js';
import type { CachedFile } from './shipping-cache.js';
import { ShippingCache } from './shipping-cache.js';
import type { EnsureDatasetOptions, ShipFile, ShippedDataset } from './ensure-dataset.js';
import { ensureDataset } from './ensure-dataset.js';

export interface ContentToShip {
  slug: string;
  /** `kind` goes in the version notes with the hash, e.g. "data", "env". */
  kind: string;
  files: (ShipFile & CachedFile)[];
  contentHash: string;
}

export async function shipContent(
  access: DatasetAccess,
  cache: ShippingCache,
  content: ContentToShip,
  options: EnsureDatasetOptions,
): Promise<ShippedDataset> {
  const key = ShippingCache.key(access.endpoint, `${access.owner}/${content.slug}`);
  const cached = cache.get(key);
  const shipped = await ensureDataset(
    access.datasets,
    {
      owner: access.owner,
      slug: content.slug,
      title: content.slug,
      files: content.files,
      notes: `kaggle-run ${content.kind} sha256:${content.contentHash}`,
      unchanged: (latest) =>
        cached !== undefined &&
        cached.contentHash === content.contentHash &&
        (latest.version === null || latest.version === cached.version) &&
        sameListing(latest.files, content.files),
    },
    options,
  );
  await cache.put(key, {
    contentHash: content.contentHash,
    version: shipped.version,
    files: content.files.map(({ name, size, mtimeMs, sha256 }) => ({
      name,
      size,
      mtimeMs,
      sha256,
    })),
  });
  return shipped;
}

function sameListing(
  remote: readonly { name: string; totalBytes: number }[],
  local: readonly { name: string; size: number }[],
): boolean {
  if (remote.length !== local.length) return false;
  const sizes = new Map(remote.map((f) => [f.name, f.totalBytes]));
  return local.every((f) => sizes.get(f.name) === f.size);
}
