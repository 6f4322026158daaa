import type { Command } from '@commander-js/extra-typings';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { CliIo } from '../io.js';
import { DIR_DESCRIPTION, DIR_FLAGS, RUN_ARGUMENT, RUN_DESCRIPTION } from '../arguments.js';

export function registerOutputs(program: Command, io: CliIo): void {
  program
    .command('outputs')
    .description("list a run's outputs, or copy them (verified) to a folder")
    .argument(RUN_ARGUMENT, RUN_DESCRIPTION)
    .option(DIR_FLAGS, DIR_DESCRIPTION)
    .option(
      '--glob <glob>',
      'only files matching this glob (repeatable)',
      (v: string, p: string[]) => [...p, v],
      [] as string[],
    )
    .option('--dest <dir>', 'copy the selected outputs here')
    .option('--json', 'print the selected outputs as JSON')
    .action(async (ref, opts) => {
      const [
        { printable },
        { UsageError },
        { selectByGlobs },
        { sha256File },
        { resolveInside },
        { storeFor },
        { formatBytes },
      ] = await Promise.all([
        import('../../util/printable.js'),
        import('../../errors.js'),
        import('../../run/fetch-outputs.js'),
        import('../../util/hash.js'),
        import('../../util/safe-path.js'),
        import('../project.js'),
        import('../output-mode.js'),
      ]);
      const record = await (await storeFor(opts.dir, io)).resolve(ref);
      const { selected, unmatched } = selectByGlobs(record.outputs, opts.glob);
      for (const glob of unmatched)
        io.stderr(`kaggle-run: warning: ${JSON.stringify(glob)} matched no output\n`);
      if (opts.dest !== undefined) {
        const dest = resolve(io.cwd, opts.dest);
        for (const file of selected) {
          const from = join(record.outputDir, file.path);
          const to = resolveInside(dest, file.path);
          const got = await sha256File(from).catch(() => undefined);
          if (got?.sha256 !== file.sha256) {
            throw new UsageError(
              `output ${file.path} in ${record.outputDir} is missing or changed since the run`,
            );
          }
          await mkdir(dirname(to), { recursive: true });
          await copyFile(from, to);
        }
      }
      if (opts.json) {
        io.stdout(`${JSON.stringify(selected, null, 2)}\n`);
        return;
      }
      for (const file of selected)
        io.stdout(`${printable(file.path)}\t${formatBytes(file.size)}\t${file.sha256}\n`);
      if (opts.dest !== undefined)
        io.stderr(`copied ${selected.length} file(s) to ${resolve(io.cwd, opts.dest)}\n`);
    });
}
