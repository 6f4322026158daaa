import type { Command } from '@commander-js/extra-typings';
import type { CliIo } from '../io.js';
import {
  DIR_DESCRIPTION,
  DIR_FLAGS,
  FOLDER_ARGUMENT,
  FOLDER_DESCRIPTION,
  projectFolder,
} from '../arguments.js';

export function registerInit(program: Command, io: CliIo): void {
  program
    .command('init')
    .description('write a commented kaggle-run.yaml for the project in DIR (default .)')
    .argument(FOLDER_ARGUMENT, FOLDER_DESCRIPTION)
    .option(DIR_FLAGS, DIR_DESCRIPTION)
    .option('--force', 'overwrite an existing kaggle-run.yaml')
    .action(async (dir, opts) => {
      const { initProject } = await import('../../config/init.js');
      const folder = projectFolder(dir, opts.dir, io.cwd);
      const result = await initProject(folder, { force: opts.force === true });
      io.stdout(`wrote ${result.path}\n`);
      io.stdout(
        result.entry === undefined
          ? 'set `entry:` to the script or notebook to run, then: kaggle-run run\n'
          : `entry: ${result.entry}; next: kaggle-run run\n`,
      );
    });
}
