// Notebook fixtures as Jupyter saves them: written by nbformat itself (sources as lists of
// lines), so the tests see exactly what users' files hold.

import { execFileSync } from 'node:child_process';

export interface CellSpec {
  source: string;
  tags?: string[];
  markdown?: boolean;
}

export const pythonKernel = {
  kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
};

/** The text nbformat writes for these cells (`python` must import nbformat). */
export function savedByNbformat(
  python: string,
  cells: CellSpec[],
  metadata: Record<string, unknown> = pythonKernel,
): string {
  const program = [
    'import json, sys, nbformat',
    'from nbformat import v4',
    'spec = json.loads(sys.stdin.read())',
    'nb = v4.new_notebook(metadata=spec["metadata"])',
    'for c in spec["cells"]:',
    '    meta = {"tags": c["tags"]} if c.get("tags") else {}',
    '    make = v4.new_markdown_cell if c.get("markdown") else v4.new_code_cell',
    '    nb.cells.append(make(c["source"], metadata=meta))',
    'sys.stdout.write(nbformat.writes(nb))',
  ].join('\n');
  return execFileSync(python, ['-c', program], {
    input: JSON.stringify({ cells, metadata }),
    encoding: 'utf8',
  });
}
