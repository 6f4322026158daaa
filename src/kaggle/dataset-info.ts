// datasets.DatasetApiService/GetDataset, for what shipping needs of it: whether the dataset
// exists for this user, and its current version number (to pin the version a kernel attaches).

import type { DatasetsApi } from './datasets.js';
import { KaggleApiError } from './errors.js';
import { WireReader, wireBody } from './wire.js';

export interface DatasetInfo {
  ref: string;
  /** Null when the answer leaves it out. */
  currentVersionNumber: number | null;
}

/** The dataset, or undefined when it does not exist or the user cannot see it (404). */
export async function getDatasetInfo(
  datasets: DatasetsApi,
  owner: string,
  slug: string,
  signal?: AbortSignal,
): Promise<DatasetInfo | undefined> {
  try {
    const json = await datasets.http.rpc(
      'datasets.DatasetApiService',
      'GetDataset',
      wireBody({ ownerSlug: owner, datasetSlug: slug }),
      { idempotent: true, signal },
    );
    const r = new WireReader(json, 'GetDataset');
    const version = r.optInt('currentVersionNumber');
    return {
      ref: r.optStr('ref') || `${owner}/${slug}`,
      currentVersionNumber: version === undefined || version <= 0 ? null : version,
    };
  } catch (error) {
    if (error instanceof KaggleApiError && error.effectiveStatus === 404) return undefined;
    throw error;
  }
}
