// The body of `kaggle-run server`: validates the flags, starts the server, prints
// `listening on http://127.0.0.1:PORT` as the first stdout line, and serves until SIGINT or
// SIGTERM (or the given signal aborts). The CLI wiring (commander) lives in src/cli.

import { UsageError } from '../errors.js';
import { SECRET_NAME, accountsFromEnv, loadAccounts, type Account } from './auth.js';
import { parseFaultSpec } from './faults.js';
import type { ServerOptions } from './options.js';
import { INPUT_LAYOUTS, parseInputLayout } from '../platform/input-layout.js';
import { startServer } from './server.js';

/** The flags as commander hands them over (strings), or already as numbers. */
export interface ServerCommandOptions {
  /** --port N: 0 picks a free port (default 0). */
  port?: string | number | undefined;
  /** --data-dir D: where kernels, logs and outputs live (default a new temp folder). */
  dataDir?: string | undefined;
  /** --faults SPEC: `0.2`, or `429=0.1,500=0.05,drop=0.02,truncate=0.1,slow=0.2,queue=0.3,status404=0.3`. */
  faults?: string | undefined;
  /** --fault-seed N: repeatable faults. */
  faultSeed?: string | number | undefined;
  /** --accounts FILE: JSON `[{"username", "key"? , "token"?}]` (default KAGGLE_USERNAME/KAGGLE_KEY). */
  accounts?: string | undefined;
  /** --gpu-sessions N: concurrent GPU/TPU sessions per user (default 2). */
  gpuSessions?: string | number | undefined;
  /** --quota-hours H: weekly GPU quota per user (default 30). */
  quotaHours?: string | number | undefined;
  /** --session-timeout S: longest (and default) session in seconds (default 43200). */
  sessionTimeout?: string | number | undefined;
  /** --python P: interpreter for kernels (default KAGGLE_RUN_PYTHON, then python3). */
  python?: string | undefined;
  /** --dataset-ready-delay S: seconds from a dataset version's creation to READY (default 1). */
  datasetReadyDelay?: string | number | undefined;
  /** --seed-dir D: read-only folder of competitions/ and models/ kernels may attach. */
  seedDir?: string | undefined;
  /** --secret NAME=VALUE (repeatable): a user secret of the first account. */
  secret?: string[] | undefined;
  /** --input-layout current|legacy|both: where attached sources appear (default current). */
  inputLayout?: string | undefined;
  /** --trusted-user: several accounts may share a server without bubblewrap. */
  trustedUser?: boolean | undefined;
}

export interface ServerCommandIo {
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
  env?: NodeJS.ProcessEnv;
  /** Stops the server when aborted (tests); SIGINT and SIGTERM always do. */
  signal?: AbortSignal;
}

function number(
  value: string | number | undefined,
  flag: string,
  check: (n: number) => boolean,
  rule: string,
): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value.trim());
  if (typeof value === 'string' && value.trim() === '') {
    throw new UsageError(`${flag} needs a value: ${rule}`);
  }
  if (!Number.isFinite(n) || !check(n)) {
    throw new UsageError(`invalid ${flag} ${JSON.stringify(String(value))}: ${rule}`);
  }
  return n;
}

const isWhole = (n: number) => Number.isInteger(n) && n >= 0;

/** `--secret NAME=VALUE` flags as an object; the value is never repeated in an error. */
function parseSecrets(flags: readonly string[]): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    const name = eq < 0 ? flag : flag.slice(0, eq);
    if (eq < 0 || !SECRET_NAME.test(name)) {
      throw new UsageError(`invalid --secret ${JSON.stringify(name)}: use --secret NAME=VALUE`, {
        hint: 'NAME: letters, digits, "_", "." and "-", starting with a letter or "_".',
      });
    }
    secrets[name] = flag.slice(eq + 1);
  }
  return secrets;
}

/**
 * The accounts with `--secret` values added to the first one (the only one, without
 * --accounts): undefined when neither flag is given, so the server reads the environment.
 */
async function accountsWithSecrets(
  flags: ServerCommandOptions,
  env: NodeJS.ProcessEnv,
): Promise<Account[] | undefined> {
  const loaded = flags.accounts === undefined ? undefined : await loadAccounts(flags.accounts);
  if (flags.secret === undefined || flags.secret.length === 0) return loaded;
  const secrets = parseSecrets(flags.secret);
  const accounts = loaded ?? accountsFromEnv(env);
  const [first, ...rest] = accounts;
  if (first === undefined) return accounts; // startServer says that an account is missing
  return [{ ...first, secrets: { ...first.secrets, ...secrets } }, ...rest];
}

/** Turns the flags into ServerOptions, reporting a bad flag as a UsageError. */
export async function serverOptionsFromFlags(
  flags: ServerCommandOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServerOptions> {
  const port = number(flags.port, '--port', (n) => isWhole(n) && n <= 65535, 'use 0 to 65535');
  const faultSeed = number(flags.faultSeed, '--fault-seed', isWhole, 'use a whole number');
  const gpuSessions = number(flags.gpuSessions, '--gpu-sessions', isWhole, 'use a whole number');
  const quotaHours = number(flags.quotaHours, '--quota-hours', (n) => n >= 0, 'use hours >= 0');
  const sessionTimeout = number(
    flags.sessionTimeout,
    '--session-timeout',
    (n) => Number.isInteger(n) && n >= 1,
    'use whole seconds >= 1',
  );
  const readyDelay = number(
    flags.datasetReadyDelay,
    '--dataset-ready-delay',
    (n) => n >= 0,
    'use seconds >= 0',
  );
  if (flags.faults !== undefined) parseFaultSpec(flags.faults); // fail early on a bad spec
  const inputLayout =
    flags.inputLayout === undefined ? undefined : parseInputLayout(flags.inputLayout);
  if (inputLayout === null) {
    throw new UsageError(
      `invalid --input-layout ${JSON.stringify(flags.inputLayout)}: use ${INPUT_LAYOUTS.join(', ')}`,
    );
  }
  return {
    port,
    dataDir: flags.dataDir,
    faults: flags.faults,
    faultSeed,
    accounts: await accountsWithSecrets(flags, env),
    env,
    gpuSessions,
    gpuQuotaHours: quotaHours,
    sessionTimeoutSeconds: sessionTimeout,
    python: flags.python,
    datasetReadyDelayMs: readyDelay === undefined ? undefined : Math.round(readyDelay * 1000),
    seedDir: flags.seedDir,
    accountsFile: flags.accounts,
    trustedUser: flags.trustedUser === true,
    inputLayout,
  };
}

/** Runs the server until SIGINT/SIGTERM, then stops its sessions and resolves (exit 0). */
export async function runServerCommand(
  flags: ServerCommandOptions,
  io: ServerCommandIo = {},
): Promise<void> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const server = await startServer(await serverOptionsFromFlags(flags, io.env ?? process.env));
  stdout.write(`listening on ${server.url}\n`);
  stderr.write(`data folder: ${server.dataDir}\n`);
  for (const warning of server.warnings) stderr.write(`warning: ${warning}\n`);
  await new Promise<void>((resolveStop) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolveStop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (io.signal?.aborted) stop();
    io.signal?.addEventListener('abort', stop, { once: true });
  });
  stderr.write('stopping: running sessions are ended\n');
  await server.close();
}
