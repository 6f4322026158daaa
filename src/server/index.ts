// Public surface of `kaggle-run server`.

export { startServer, type ServerHandle } from './server.js';
export { runServerCommand, serverOptionsFromFlags, type ServerCommandOptions } from './command.js';
export type { ServerOptions } from './options.js';
export type { Account } from './auth.js';
export { loadAccounts } from './auth.js';
export { parseFaultSpec, faultKinds, type FaultKind, type FaultSettings } from './faults.js';
export type { StatsSnapshot } from './stats.js';
export type { DatasetRegistry } from './sources.js';
