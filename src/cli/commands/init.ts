import type { Command } from '@commander-js/extra-typings';
import { resolve } from 'node:path';
import type { CliIo } from '../io.js';

export function registerInit(program: Command, io: CliIo): void {
  program
    .command('init')
    .description('write a commented kaggle-run.yaml for the project in DIR (default .)')
    .argument('[dir]', 'project folder')
    .option('--force', 'overwrite an existing kaggle-run.yaml')
    .action(async (dir, opts) => {
      const { initProject } = await import('../../config/init.js');
      const result = await initProject(resolve(io.cwd, dir ?? '.'), { force: opts.force === true });
      io.stdout(`wrote ${result.path}\n`);
      io.stdout(
        result.entry === undefined
          ? 'set `entry:` to the script or notebook to run, then: kaggle-run run\n'
          : `entry: ${result.entry}; next: kaggle-run run\n`,
      );
    });
}
