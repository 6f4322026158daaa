// The CLI: parse flags, call one core function, render. Errors become exit codes in one
// place (exit.ts). Only the module of the command being run is loaded: start-up time is
// part of every run's overhead.

import { Command, CommanderError } from '@commander-js/extra-typings';
import { packageVersion } from '../util/package-root.js';
import { ExitCode } from '../errors.js';
import { processIo, type CliIo } from './io.js';
import { reportError } from './exit.js';

type Register = (program: Command, io: CliIo, setExit: (code: number) => void) => void;

const commands: Record<string, () => Promise<Register>> = {
  run: async () => (await import('./commands/run.js')).registerRun,
  runs: async () => (await import('./commands/runs.js')).registerRuns,
  show: async () => (await import('./commands/show.js')).registerShow,
  logs: async () => (await import('./commands/logs.js')).registerLogs,
  outputs: async () => (await import('./commands/outputs.js')).registerOutputs,
  attach: async () => (await import('./commands/attach.js')).registerAttach,
  status: async () => (await import('./commands/status.js')).registerStatus,
  init: async () => (await import('./commands/init.js')).registerInit,
  quota: async () => (await import('./commands/quota.js')).registerQuota,
  doctor: async () => (await import('./commands/doctor.js')).registerDoctor,
  push: async () => (await import('./commands/push.js')).registerPush,
  server: async () => (await import('./commands/server.js')).registerServer,
  sweep: async () => (await import('./commands/sweep.js')).registerSweep,
};

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const setExit = (code: number) => {
    exitCode = code;
  };
  const program = new Command()
    .name('kaggle-run')
    .description(
      "Run a local Python project's script or notebook on Kaggle's GPUs as if it were local.",
    )
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run `kaggle-run --help` for usage)');
  const wanted = argv[0] !== undefined && argv[0] in commands ? [argv[0]] : Object.keys(commands);
  for (const name of wanted) (await commands[name]!())(program, io, setExit);

  const format = argv.includes('--events') ? 'events' : argv.includes('--json') ? 'json' : 'text';
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with code 0; anything else is bad usage.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    return reportError(error, io, format);
  }
  return exitCode;
}
