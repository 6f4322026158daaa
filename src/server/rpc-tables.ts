// Every RPC the server answers: `package.Service` -> method -> handler, merged from the
// services' own tables.

import { competitionsRpcTable } from './competitions-service.js';
import type { RpcHandler } from './context.js';
import { datasetDownloadRpcTable } from './dataset-download.js';
import { datasetFilesRpcTable } from './dataset-files.js';
import { datasetListRpcTable } from './dataset-list.js';
import { datasetMetadataRpcTable } from './dataset-metadata.js';
import { datasetViewRpcTable } from './dataset-view.js';
import { datasetRpcTable } from './datasets-service.js';
import { rpcTable } from './kernels-service.js';
import { modelsRpcTable } from './models-service.js';

type RpcTable = Record<string, Record<string, RpcHandler>>;

function merge(tables: RpcTable[]): RpcTable {
  const merged: RpcTable = {};
  for (const table of tables) {
    for (const [service, methods] of Object.entries(table)) {
      merged[service] = { ...merged[service], ...methods };
    }
  }
  return merged;
}

export const allRpcs: RpcTable = merge([
  rpcTable,
  datasetRpcTable,
  datasetViewRpcTable,
  datasetListRpcTable,
  datasetMetadataRpcTable,
  datasetFilesRpcTable,
  datasetDownloadRpcTable,
  modelsRpcTable,
  competitionsRpcTable,
]);
