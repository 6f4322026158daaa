import type { Command } from '@commander-js/extra-typings';
import { resolve } from 'node:path';
import type { CliIo } from '../io.js';
import { ENDPOINT_DESCRIPTION, ENDPOINT_FLAGS } from '../arguments.js';

export function registerPush(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('push')
    .description(
      'push a kernel folder (kernel-metadata.json + code, as `kaggle kernels push` takes it), wait, fetch its outputs',
    )
    .argument('<kernel-dir>', 'folder holding kernel-metadata.json')
    .option(ENDPOINT_FLAGS, ENDPOINT_DESCRIPTION)
    .option(
      '--accelerator <name>',
      'overrides machine_shape (t4x2, p100, tpu-v3-8, or a Kaggle shape name)',
    )
    .option('--timeout <duration>', 'session timeout, e.g. 30m')
    .option('--dest <dir>', 'where outputs land (default KERNEL_DIR/output)')
    .option('--json', 'print {kernel, version, url, status, dest, outputs} as JSON')
    .option('--events', 'print each event as a JSON line on stdout, the last one `done`')
    .action(async (dir, opts) => {
      const [
        { checkDuration },
        { ExitCode },
        { pushKernelFolder },
        { outputMode },
        { PlainRunRenderer },
        { JsonRunRenderer },
        { EventsRunRenderer },
        { eventLine },
      ] = await Promise.all([
        import('../../config/overrides.js'),
        import('../../errors.js'),
        import('../../push/push-kernel-folder.js'),
        import('../output-mode.js'),
        import('../render/plain-renderer.js'),
        import('../render/json-renderer.js'),
        import('../render/events-renderer.js'),
        import('../render/event-line.js'),
      ]);
      const mode = outputMode(opts.json, io.env, opts.events);
      const json = mode === 'json';
      const renderer =
        mode === 'events'
          ? new EventsRunRenderer(io)
          : json
            ? new JsonRunRenderer(io)
            : new PlainRunRenderer(io);
      const run = pushKernelFolder({
        dir: resolve(io.cwd, dir),
        endpoint: opts.endpoint,
        env: io.env,
        accelerator: opts.accelerator,
        timeoutSeconds:
          opts.timeout === undefined ? undefined : checkDuration(opts.timeout, '--timeout'),
        dest: opts.dest === undefined ? undefined : resolve(io.cwd, opts.dest),
      });
      let next = await run.next();
      while (!next.done) {
        renderer.event(next.value);
        next = await run.next();
      }
      const result = next.value;
      // No run record here: the last event line carries the push's result instead.
      if (mode === 'events') io.stdout(eventLine({ type: 'done', result }));
      if (json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      else
        io.stderr(
          `[kaggle-run] ${result.kernel} version ${result.version ?? '?'}: ${result.status}; ${result.outputs.length} output file(s) in ${result.dest}\n`,
        );
      if (result.status !== 'complete')
        setExit(result.status === 'error' ? ExitCode.programFailed : ExitCode.platform);
    });
}
