import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import type { Job } from '../job.js';

interface NotebookCell {
  cell_type?: unknown;
  metadata?: { tags?: unknown };
}

/**
 * A notebook job with params needs a cell tagged `parameters` to inject them after. The
 * harness checks too, but finding out here costs no Kaggle session and writes no run.
 */
export async function checkNotebookTakesParams(job: Job): Promise<void> {
  if (job.kind !== 'notebook' || Object.keys(job.params).length === 0) return;
  const path = join(job.root, job.entry);
  let cells: NotebookCell[];
  try {
    const notebook = JSON.parse(await readFile(path, 'utf8')) as { cells?: unknown };
    if (!Array.isArray(notebook.cells)) throw new Error('it has no cells list');
    cells = notebook.cells as NotebookCell[];
  } catch (error) {
    throw new UsageError(`${job.entry} is not a readable notebook: ${(error as Error).message}`);
  }
  const tagged = cells.some(
    (cell) =>
      cell.cell_type === 'code' &&
      Array.isArray(cell.metadata?.tags) &&
      cell.metadata.tags.includes('parameters'),
  );
  if (!tagged) {
    throw new UsageError(
      `${job.entry} has no code cell tagged 'parameters', so the params (${Object.keys(job.params).join(', ')}) have nowhere to go`,
      {
        hint: "tag the cell holding the defaults with 'parameters' (Jupyter: View > Cell Toolbar > Tags), or remove the params",
      },
    );
  }
}
