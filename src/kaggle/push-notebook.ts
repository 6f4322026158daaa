// A notebook as `kaggle kernels push` sends it: every code cell's outputs emptied and every
// source stored as one string (the format allows a list of lines; Kaggle expects one text),
// written as Python's json.dumps writes it, so the pushed text is the official CLI's own.

import { JsonObject, parseJsonTree, writePythonJson, type JsonTree } from '../util/json-tree.js';

/** The text to push for a notebook file's text (already checked to be a notebook). */
export function pushedNotebookText(text: string): string {
  const tree = parseJsonTree(text);
  if (!(tree instanceof JsonObject)) return writePythonJson(tree);
  const cells = tree.entries.find(([key]) => key === 'cells')?.[1];
  if (Array.isArray(cells)) {
    for (const cell of cells) if (cell instanceof JsonObject) normaliseCell(cell);
  }
  return writePythonJson(tree);
}

function normaliseCell(cell: JsonObject): void {
  const isCode = cell.entries.some(([key, value]) => key === 'cell_type' && value === 'code');
  for (const entry of cell.entries) {
    const [key, value] = entry;
    if (key === 'outputs' && isCode) entry[1] = [];
    if (key === 'source' && Array.isArray(value)) entry[1] = value.map(lineText).join('');
  }
}

function lineText(line: JsonTree): string {
  // Python's ''.join would fail on a non-string line; nbformat never writes one.
  return typeof line === 'string' ? line : writePythonJson(line);
}
