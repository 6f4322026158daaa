// The CLI: parse flags, call one core function, render. Errors become exit codes in one
// place (exit.ts).

import { Command, CommanderError } from '@commander-js/extra-typings';
import { packageVersion } from '../util/package-root.js';
import { ExitCode } from '../errors.js';
import { processIo, type CliIo } from './io.js';
import { reportError } from './exit.js';
import { registerRun } from './commands/run.js';
import { registerRuns } from './commands/runs.js';
import { registerShow } from './commands/show.js';
import { registerLogs } from './commands/logs.js';
import { registerOutputs } from './commands/outputs.js';
import { registerInit } from './commands/init.js';
import { registerServer } from './commands/server.js';
import { registerQuota } from './commands/quota.js';
import { registerStatus } from './commands/status.js';
import { registerDoctor } from './commands/doctor.js';
import { registerPush } from './commands/push.js';

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const setExit = (code: number) => {
    exitCode = code;
  };
  const program = new Command()
    .name('kaggle-run')
    .description("Run a local Python project's script or notebook on Kaggle's GPUs as if it were local.")
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run `kaggle-run --help` for usage)');
  registerRun(program, io, setExit);
  registerRuns(program, io);
  registerShow(program, io);
  registerLogs(program, io);
  registerOutputs(program, io);
  registerInit(program, io);
  registerStatus(program, io);
  registerQuota(program, io);
  registerDoctor(program, io, setExit);
  registerPush(program, io, setExit);
  registerServer(program, io);

  const wantsJson = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with code 0; anything else is bad usage.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    return reportError(error, io, wantsJson);
  }
  return exitCode;
}
