import type { Command } from '@commander-js/extra-typings';
import type { CliIo } from '../io.js';
import { DIR_DESCRIPTION, DIR_FLAGS } from '../arguments.js';

export function registerRuns(program: Command, io: CliIo): void {
  program
    .command('runs')
    .description("list this project's runs, newest first")
    .option(DIR_FLAGS, DIR_DESCRIPTION)
    .option('-n, --limit <n>', 'show at most N runs', '20')
    .option('--json', 'print a JSON array of run records')
    .action(async (opts) => {
      const [{ storeFor }, { formatDuration }, { runSeconds }] = await Promise.all([
        import('../project.js'),
        import('../output-mode.js'),
        import('../render/summary.js'),
      ]);
      const store = await storeFor(opts.dir, io);
      const { summaries, corrupt } = await store.summaries();
      for (const bad of corrupt) {
        io.stderr(
          `kaggle-run: warning: skipping run ${bad.runId}: corrupt record (${bad.problem})\n`,
        );
      }
      const shown = summaries.slice(0, Math.max(1, Number(opts.limit) || 20));
      if (opts.json) {
        const records = await Promise.all(shown.map((s) => store.load(s.runId)));
        io.stdout(`${JSON.stringify(records, null, 2)}\n`);
        return;
      }
      if (shown.length === 0) {
        io.stdout(`no runs yet in ${store.runsDir}\n`);
        return;
      }
      for (const r of shown) {
        const seconds = runSeconds(r);
        io.stdout(
          [
            r.runId.padEnd(36),
            r.status.padEnd(9),
            r.platform.padEnd(7),
            (seconds === undefined ? '-' : formatDuration(seconds)).padEnd(8),
            r.exitCode === null ? '-' : `exit ${r.exitCode}`,
          ].join(' ') + '\n',
        );
      }
    });
}
