// The CLI: parse flags, call one core function, render. Errors become exit codes in one
// place (exit.ts). Only the command being run is registered, and only its actions' modules
// are loaded: start-up time is part of every run's overhead.

import { Command, CommanderError } from '@commander-js/extra-typings';
import { packageVersion } from '../util/package-root.js';
import { ExitCode } from '../errors.js';
import { processIo, type CliIo } from './io.js';
import { registerAttach } from './commands/attach.js';
import { registerDoctor } from './commands/doctor.js';
import { registerInit } from './commands/init.js';
import { registerLogs } from './commands/logs.js';
import { registerOutputs } from './commands/outputs.js';
import { registerPush } from './commands/push.js';
import { registerQuota } from './commands/quota.js';
import { registerRun } from './commands/run.js';
import { registerRuns } from './commands/runs.js';
import { registerServer } from './commands/server.js';
import { registerShow } from './commands/show.js';
import { registerStatus } from './commands/status.js';
import { registerSweep } from './commands/sweep.js';

type Register = (program: Command, io: CliIo, setExit: (code: number) => void) => void;

// Each command module only declares its flags; what a command does is imported when it runs.
const commands: Record<string, Register> = {
  run: registerRun,
  runs: registerRuns,
  show: registerShow,
  logs: registerLogs,
  outputs: registerOutputs,
  attach: registerAttach,
  status: registerStatus,
  init: registerInit,
  quota: registerQuota,
  doctor: registerDoctor,
  push: registerPush,
  server: registerServer,
  sweep: registerSweep,
};

function buildProgram(argv: string[], io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command()
    .name('kaggle-run')
    .description(
      "Run a local Python project's script or notebook on Kaggle's GPUs as if it were local.",
    )
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run `kaggle-run --help` for usage)');
  // `--version` needs no command; `--help` (or a mistyped command) lists them all.
  const first = argv[0];
  const wanted =
    first !== undefined && first in commands
      ? [first]
      : first === '--version' || first === '-V'
        ? []
        : Object.keys(commands);
  for (const name of wanted) commands[name]!(program, io, setExit);
  return program;
}

/**
 * Every command's path (`['run']`, `['sweep', 'show']`, ...): the build asks each one's help
 * of `main` and keeps the texts for the entry to answer without loading the CLI.
 */
export function commandPaths(): string[][] {
  const ignore = () => undefined;
  const program = buildProgram([], { stdout: ignore, stderr: ignore, env: {}, cwd: '.' }, ignore);
  const below = (command: Command, path: string[]): string[][] =>
    command.commands.flatMap((sub) => {
      const own = [...path, sub.name()];
      return [own, ...below(sub as Command, own)];
    });
  return below(program, []);
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const setExit = (code: number) => {
    exitCode = code;
  };
  const program = buildProgram(argv, io, setExit);
  const format = argv.includes('--events') ? 'events' : argv.includes('--json') ? 'json' : 'text';
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with code 0; anything else is bad usage.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    const { reportError } = await import('./exit.js');
    return reportError(error, io, format);
  }
  return exitCode;
}
