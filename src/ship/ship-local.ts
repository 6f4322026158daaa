// Shipping on the local platform: the code zip, the `data:` files and the env values file
// are copied into the sandbox's input folder, where the harness finds them as on Kaggle.

import type { RunEvent } from '../run/events.js';
import type { ShippingRecord } from '../run/record.js';
import { collectOptionalDataFiles } from './data-files.js';
import type { ShipRunContext, Shipment } from './ship-context.js';
import {
  LOCAL_CODE_TARGET,
  LOCAL_ENV_TARGET,
  emptyRecord,
  notShipped,
  optionalDataSkipped,
  writeEnvJson,
} from './ship-context.js';

export async function* shipLocal(ctx: ShipRunContext): AsyncGenerator<RunEvent, Shipment> {
  const { job } = ctx;
  const remoteOnly = [
    ...job.datasets.map((r) => `dataset ${r}`),
    ...job.competitions.map((r) => `competition ${r}`),
    ...job.models.map((r) => `model ${r}`),
    ...job.kernels.map((r) => `kernel ${r}`),
  ];
  if (remoteOnly.length > 0) {
    yield {
      type: 'warning',
      message: `the local platform cannot attach Kaggle sources (${remoteOnly.join(', ')}); they are attached on Kaggle only — download them into a data: folder to have them here`,
    };
  }
  const inputs = [{ localPath: ctx.pack.zipPath, target: LOCAL_CODE_TARGET }];
  const shipping: ShippingRecord = emptyRecord('local');
  for (const mapping of job.data) {
    const data = await collectOptionalDataFiles(job.root, mapping);
    if (data === undefined) {
      yield optionalDataSkipped(mapping);
      continue;
    }
    const { files, excluded } = data;
    for (const left of excluded) yield notShipped(left);
    inputs.push(
      ...files.map((f) => ({ localPath: f.localPath, target: `${mapping.slug}/${f.name}` })),
    );
    shipping.data.push({
      path: mapping.path,
      dataset: mapping.slug,
      version: null,
      uploaded: false,
    });
  }
  const cleanup: string[] = [];
  const maskValues: string[] = [];
  let envFile: { path: string } | undefined;
  if (job.envFile !== undefined) {
    const path = await writeEnvJson(ctx, maskValues);
    cleanup.push(path);
    inputs.push({ localPath: path, target: LOCAL_ENV_TARGET });
    envFile = { path: LOCAL_ENV_TARGET };
  }
  return {
    source: ctx.render({ mode: 'file', path: LOCAL_CODE_TARGET }, envFile),
    inputs,
    datasets: job.datasets,
    shipping,
    cleanup,
    maskValues,
  };
}
