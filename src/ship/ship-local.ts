// Shipping on the local platform: the code zip, the `data:` files and the env values file
// are copied into the sandbox's input folder, where the harness finds them as on Kaggle: as
// datasets of the account (KAGGLE_USERNAME, else `local`), laid out as `input_layout:` says.

import type { RunEvent } from '../run/events.js';
import type { ShippingRecord } from '../run/record.js';
import { collectOptionalDataFiles } from './data-files.js';
import type { ShipRunContext, Shipment } from './ship-context.js';
import { readEnv } from '../env.js';
import { inputMap, sourceFolders, type InputSource } from '../platform/input-layout.js';
import {
  LOCAL_CODE_FILE,
  LOCAL_CODE_SLUG,
  LOCAL_ENV_FILE,
  LOCAL_ENV_SLUG,
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
  const owner = readEnv('KAGGLE_USERNAME', ctx.env) ?? 'local';
  const folders = (slug: string) =>
    sourceFolders({ kind: 'dataset', owner, slug }, job.inputLayout);
  const codeTarget = `${folders(LOCAL_CODE_SLUG)[0]}/${LOCAL_CODE_FILE}`;
  const envTarget = `${folders(LOCAL_ENV_SLUG)[0]}/${LOCAL_ENV_FILE}`;
  const inputs = [{ localPath: ctx.pack.zipPath, target: codeTarget }];
  const shipping: ShippingRecord = emptyRecord('local');
  const attached: { source: InputSource }[] = [];
  for (const mapping of job.data) {
    const data = await collectOptionalDataFiles(job.root, mapping);
    if (data === undefined) {
      yield optionalDataSkipped(mapping);
      continue;
    }
    const { files, excluded } = data;
    for (const left of excluded) yield notShipped(left);
    attached.push({ source: { kind: 'dataset', owner, slug: mapping.slug } });
    for (const folder of folders(mapping.slug)) {
      inputs.push(...files.map((f) => ({ localPath: f.localPath, target: `${folder}/${f.name}` })));
    }
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
    inputs.push({ localPath: path, target: envTarget });
    envFile = { path: envTarget };
  }
  return {
    source: ctx.render({ mode: 'file', path: codeTarget }, envFile),
    inputs,
    inputMap: inputMap(attached, job.inputLayout),
    datasets: job.datasets,
    shipping,
    cleanup,
    maskValues,
  };
}
