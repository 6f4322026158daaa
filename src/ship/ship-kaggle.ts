// Shipping to Kaggle: the code goes inline in the kernel source, as a private dataset
// (content-addressed: an unchanged zip is not uploaded again) or as a git commit
// (ship-code.ts), and each `data:` path and the env file become private datasets, READY
// before the push. Datasets are reached only when something has to go in one.

import { readSecondsEnv } from '../env.js';
import { UsageError } from '../errors.js';
import type { RunEvent } from '../run/events.js';
import { sha256File } from '../util/hash.js';
import { collectOptionalDataFiles, contentHashOf } from './data-files.js';
import { shipCode } from './ship-code.js';
import { shipContent } from './ship-content.js';
import type { DatasetAccess, ShipRunContext, Shipment } from './ship-context.js';
import {
  DEFAULT_READY_TIMEOUT_SECONDS,
  INLINE_SOURCE_LIMIT,
  derivedSlug,
  emptyRecord,
  notShipped,
  optionalDataSkipped,
  pinned,
  shippedEvent,
  writeEnvJson,
} from './ship-context.js';
import { ShippingCache } from './shipping-cache.js';

export async function* shipToKaggle(
  ctx: ShipRunContext,
  /** Connects once, on the first call. */
  connect: () => Promise<DatasetAccess>,
): AsyncGenerator<RunEvent, Shipment> {
  const { job, signal } = ctx;
  const access = job.data.length > 0 || job.envFile !== undefined ? await connect() : undefined;
  const cache = await ShippingCache.open(ctx.storeRoot);
  const readySeconds = readSecondsEnv(
    'KAGGLE_RUN_DATASET_READY_TIMEOUT',
    DEFAULT_READY_TIMEOUT_SECONDS,
    { allowZero: false, example: '600 (ten minutes)' },
    ctx.env,
  );
  const options = { readyTimeoutMs: readySeconds * 1000, signal };
  const datasets = [...job.datasets];
  const shipping = emptyRecord('inline');
  const cleanup: string[] = [];
  const maskValues: string[] = [];

  let envFile: { path: string } | undefined;
  if (access !== undefined) {
    for (const mapping of job.data) {
      const key = ShippingCache.key(access.endpoint, `${access.owner}/${mapping.slug}`);
      const data = await collectOptionalDataFiles(job.root, mapping, cache.get(key)?.files ?? []);
      if (data === undefined) {
        yield optionalDataSkipped(mapping);
        continue;
      }
      for (const left of data.excluded) yield notShipped(left);
      const shipped = await shipContent(
        access,
        cache,
        { slug: mapping.slug, kind: 'data', files: data.files, contentHash: data.contentHash },
        options,
      );
      yield shippedEvent('data', shipped);
      shipping.bytesUploaded += shipped.bytesUploaded;
      shipping.data.push({
        path: mapping.path,
        dataset: shipped.ref,
        version: shipped.version,
        uploaded: shipped.uploaded,
      });
      datasets.push(pinned(shipped));
    }
    if (job.envFile !== undefined) {
      const path = await writeEnvJson(ctx, maskValues);
      cleanup.push(path);
      const { sha256, size } = await sha256File(path);
      const file = { name: 'env.json', localPath: path, size, mtimeMs: 0, sha256 };
      const slug = derivedSlug(job, 'env');
      const shipped = await shipContent(
        access,
        cache,
        { slug, kind: 'env', files: [file], contentHash: contentHashOf([file]) },
        options,
      );
      yield shippedEvent('env', shipped);
      shipping.bytesUploaded += shipped.bytesUploaded;
      datasets.push(pinned(shipped));
      envFile = { path: `${slug}/env.json` };
    }
  }

  const code = yield* shipCode(ctx, connect, envFile, options);
  shipping.mode = code.mode;
  shipping.bytesUploaded += code.bytesUploaded;
  shipping.dataset = code.dataset?.ref ?? null;
  shipping.datasetVersion = code.dataset?.version ?? null;
  shipping.commit = code.commit;
  if (code.dataset !== undefined) datasets.push(pinned(code.dataset));
  const bytes = Buffer.byteLength(code.source);
  if (code.mode !== 'inline' && bytes > INLINE_SOURCE_LIMIT) {
    // The code is elsewhere, so what fills the source is the settings: a batch's items.
    throw new UsageError(
      `the kernel source is ${(bytes / 1048576).toFixed(1)} MiB without the code, over Kaggle's ~1 MiB limit: the settings (a batch's items) are too big`,
      { hint: 'put fewer items in each session (batch.per_session / --per-session)' },
    );
  }
  return { source: code.source, inputs: [], datasets, shipping, cleanup, maskValues };
}
