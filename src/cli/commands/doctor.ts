import type { Command } from '@commander-js/extra-typings';
import type { CliIo } from '../io.js';
import { ENDPOINT_DESCRIPTION, ENDPOINT_FLAGS } from '../arguments.js';

export function registerDoctor(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('doctor')
    .description('check node, python, git, the sandbox, Kaggle credentials and the endpoint')
    .option(ENDPOINT_FLAGS, ENDPOINT_DESCRIPTION)
    .option('--json', 'print the checks as JSON')
    .action(async (opts) => {
      const { runDoctor } = await import('../../doctor/doctor.js');
      const { ExitCode } = await import('../../errors.js');
      const checks = await runDoctor({
        endpoint: opts.endpoint,
        env: io.env,
        python: io.env.KAGGLE_RUN_PYTHON,
      });
      const failed = checks.some((c) => c.required && !c.ok);
      if (opts.json) io.stdout(`${JSON.stringify({ ok: !failed, checks }, null, 2)}\n`);
      else
        for (const c of checks)
          io.stdout(
            `${c.ok ? 'ok  ' : c.required ? 'FAIL' : 'warn'} ${c.name.padEnd(12)} ${c.detail}\n`,
          );
      if (failed) setExit(ExitCode.platform);
    });
}
