import type { Command } from '@commander-js/extra-typings';
import type { CliIo } from '../io.js';
import { storeFor } from '../project.js';

const FOLLOW_POLL_MS = 300;

export function registerLogs(program: Command, io: CliIo): void {
  program
    .command('logs')
    .description("print a run's log")
    .argument('<run>', 'run id (or `last`)')
    .option('--dir <dir>', 'project folder (default .)')
    .option('-f, --follow', 'keep printing as the log grows, until the run ends')
    .action(async (ref, opts) => {
      const store = await storeFor(opts.dir, io);
      const record = await store.resolve(ref);
      let printed = 0;
      for (;;) {
        const lines = await store.readLog(record.runId);
        for (const line of lines.slice(printed)) (line.stream === 'stderr' ? io.stderr : io.stdout)(line.text);
        printed = lines.length;
        if (!opts.follow) return;
        const now = await store.load(record.runId);
        if (now.step === 'done' || now.endedAt !== null) return;
        await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
      }
    });
}
