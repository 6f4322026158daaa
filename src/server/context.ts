// What every RPC handler gets: the server's parts and the call at hand.

import type { InputLayout } from '../platform/input-layout.js';
import type { Authenticator } from './auth.js';
import type { DatasetStore } from './dataset-store.js';
import type { FaultInjector, FaultKind } from './faults.js';
import type { KernelStore } from './kernel-store.js';
import type { ResolvedLimits } from './options.js';
import type { SeededSources } from './seeded-sources.js';
import type { SessionRunner } from './session-runner.js';
import type { DatasetRegistry } from './sources.js';
import type { ServerStats } from './stats.js';

export interface ServiceContext {
  auth: Authenticator;
  store: KernelStore;
  runner: SessionRunner;
  limits: ResolvedLimits;
  datasets: DatasetRegistry;
  /** Datasets created through the API and the blob uploads feeding them. */
  datasetStore: DatasetStore;
  /** Competitions and models seeded as folders (data folder, --seed-dir). */
  seeded: SeededSources;
  /** Where attached sources appear under a session's input folder. */
  inputLayout: InputLayout;
  faults: FaultInjector;
  stats: ServerStats;
  nowMs: () => number;
  /** Kernel id -> GetKernelSessionStatus calls still to answer 404 (the `status404` fault). */
  status404: Map<number, number>;
}

export interface RpcCall {
  /** The authenticated username; undefined only for methods that need no credentials. */
  user: string | undefined;
  body: unknown;
  /** Origin for absolute URLs in responses, e.g. `http://127.0.0.1:8123`. */
  origin: string;
  /** The fault drawn for this request, when it is one the handler applies itself. */
  fault: FaultKind | undefined;
  requestIndex: number;
  route: string;
}

export type RpcHandler = (ctx: ServiceContext, call: RpcCall) => Promise<unknown>;
