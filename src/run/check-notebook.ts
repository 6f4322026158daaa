import { join } from 'node:path';
import { readNotebook } from '../config/read-notebook.js';
import { UsageError } from '../errors.js';
import { contractMessage } from '../harness/contract.js';
import type { Job } from '../job.js';

/**
 * A notebook job is checked before anything is packed: the file must be a Python nbformat 4
 * notebook, and params need a cell tagged `parameters` to be injected after. The harness
 * checks too, but finding out here costs no Kaggle session and writes no run. Returns the
 * warnings papermill would give: a param the notebook's parameters cell does not define.
 */
export async function checkNotebook(job: Job): Promise<string[]> {
  if (job.kind !== 'notebook') return [];
  const facts = await readNotebook(join(job.root, job.entry), job.entry);
  const warnings: string[] = [];
  if (facts.language === undefined) {
    warnings.push(`${job.entry} names no kernel language; it runs as Python`);
  }
  const names = Object.keys(job.params);
  if (names.length === 0) return warnings;
  if (!facts.hasParametersCell) {
    const { message, hint } = contractMessage('notebook', 'noParametersCell', {
      label: job.entry,
      names: names.join(', '),
    });
    throw new UsageError(message, { hint });
  }
  const defined = new Set(facts.parameters.map((p) => p.name));
  const unknown = names.filter((name) => !defined.has(name));
  if (unknown.length > 0) {
    // papermill's own words for it: "Passed unknown parameter: x".
    warnings.push(
      `passed unknown parameter${unknown.length === 1 ? '' : 's'} ${unknown.map((n) => `\`${n}\``).join(', ')}: the parameters cell of ${job.entry} does not define ${unknown.length === 1 ? 'it' : 'them'} (it is injected anyway)`,
    );
  }
  return warnings;
}
