import type { Command } from '@commander-js/extra-typings';
import { resolve } from 'node:path';
import { attachRun } from '../../run/attach-run.js';
import type { CliIo } from '../io.js';
import { reportError, exitCodeForRecord } from '../exit.js';
import { outputMode } from '../output-mode.js';
import { createRunRenderer } from '../render/renderer.js';
import { interruptOnSigint } from '../interrupt.js';

export function registerAttach(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('attach')
    .description('pick up a run whose process stopped: follow its log, wait, fetch its outputs')
    .argument('<run>', 'run id, a unique part of one, or `last`')
    .option('--dir <dir>', 'project folder (default .)')
    .option('--json', 'print exactly one JSON document (the run record) on stdout')
    .action(async (ref, opts) => {
      const mode = outputMode(opts.json, io.env);
      const renderer = createRunRenderer(mode, io);
      const interrupt = interruptOnSigint(io);
      try {
        for await (const event of attachRun({
          dir: resolve(io.cwd, opts.dir ?? '.'),
          run: ref,
          env: io.env,
          signal: interrupt.signal,
        })) {
          renderer.event(event);
          if (event.type === 'done') {
            renderer.finish(event.record);
            setExit(exitCodeForRecord(event.record));
          }
        }
      } catch (error) {
        renderer.close();
        setExit(reportError(error, io, mode === 'json'));
      } finally {
        interrupt.dispose();
      }
    });
}
