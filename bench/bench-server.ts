// A `kaggle-run server` for bench scripts: a temp folder, one account, and the environment
// a client needs to talk to it as that account.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerOptions } from '../src/server/options.js';
import { startServer, type ServerHandle } from '../src/server/server.js';

export interface BenchServer {
  root: string;
  server: ServerHandle;
  env: NodeJS.ProcessEnv;
  close: () => Promise<void>;
}

export async function startBenchServer(options: ServerOptions = {}): Promise<BenchServer> {
  const root = await mkdtemp(join(tmpdir(), 'kaggle-run-bench-'));
  const account = { username: 'bench', key: 'bench-key' };
  const server = await startServer({
    dataDir: join(root, 'server'),
    accounts: [account],
    ...options,
  });
  const env = {
    ...process.env,
    KAGGLE_USERNAME: account.username,
    KAGGLE_KEY: account.key,
    KAGGLE_API_TOKEN: '',
    KAGGLE_CONFIG_DIR: root,
    HOME: root,
  };
  return {
    root,
    server,
    env,
    close: async () => {
      await server.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
