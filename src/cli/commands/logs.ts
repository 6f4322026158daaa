import type { Command } from '@commander-js/extra-typings';
import { connectKaggle } from '../../kaggle/client.js';
import { parseKernelRef } from '../../kaggle/kernel-ref.js';
import type { RunRecord } from '../../run/record.js';
import type { RunStore } from '../../store/run-store.js';
import type { CliIo } from '../io.js';
import { storeFor } from '../project.js';

const FOLLOW_POLL_MS = 300;

/** The log kaggle-run saved while it watched the run; with -f, followed as it grows. */
async function printStoredLog(store: RunStore, record: RunRecord, follow: boolean, io: CliIo) {
  let printed = 0;
  for (;;) {
    const lines = await store.readLog(record.runId);
    for (const line of lines.slice(printed))
      (line.stream === 'stderr' ? io.stderr : io.stdout)(line.text);
    printed = lines.length;
    if (!follow) return;
    const now = await store.load(record.runId);
    if (now.step === 'done' || now.endedAt !== null) return;
    await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
  }
}

/** A Kaggle run's log straight from Kaggle: live while it runs (SSE), persisted after. */
async function printKaggleLog(record: RunRecord, io: CliIo) {
  const client = await connectKaggle({ endpoint: record.endpoint ?? undefined, env: io.env });
  const { owner, slug } = parseKernelRef(record.kernel!);
  for await (const entry of client.streamLog(owner, slug)) {
    (entry.stream === 'stderr' ? io.stderr : io.stdout)(entry.data);
  }
}

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
      const finished = record.step === 'done';
      // An unfinished Kaggle run may have no process watching it: ask Kaggle itself.
      if (record.platform === 'kaggle' && record.kernel !== null && !finished && opts.follow) {
        await printKaggleLog(record, io);
        return;
      }
      await printStoredLog(store, record, opts.follow === true, io);
    });
}
