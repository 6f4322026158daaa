// Assembles the harness a kernel runs: one Python file, harness/bootstrap.py with every
// file of harness/kaggle_run_harness/ (modules and contract.json) embedded as text under its
// own file name (the bootstrap registers them with importlib and linecache, so tracebacks
// keep module names and line numbers). Written to dist/harness/harness.py, which the
// renderer reads, beside dist/harness/contract.json, which the TypeScript side reads, and
// dist/harness/modules.json, the embedded files by name.
import {
  copyFileSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGE = 'kaggle_run_harness';
const TABLE_LINE = 'KAGGLE_RUN_HARNESS_FILES = {}\n';
const OUTPUT_DIR = join(root, 'dist', 'harness');

/** A Python ''' string literal holding `text` exactly, its lines kept one for one. */
function pythonLiteral(text) {
  // Doubled backslashes first, then every run of three quotes broken up: what is left can
  // neither escape nor end the literal.
  return "'''" + text.replace(/\\/g, '\\\\').replace(/'''/g, "\\'\\'\\'") + "'''";
}

function writeAtomic(path, text) {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

const bootstrap = readFileSync(join(root, 'harness', 'bootstrap.py'), 'utf8');
if (bootstrap.split(TABLE_LINE).length !== 2) {
  throw new Error(`harness/bootstrap.py must hold the line ${TABLE_LINE.trim()} exactly once`);
}
const names = readdirSync(join(root, 'harness', PACKAGE))
  .filter((name) => name.endsWith('.py') || name.endsWith('.json'))
  .sort((a, b) => (a === '__init__.py' ? -1 : b === '__init__.py' ? 1 : a.localeCompare(b)));
if (names[0] !== '__init__.py') throw new Error(`harness/${PACKAGE}/__init__.py is missing`);

/** File name -> text of each embedded file, exactly as the harness holds it. */
const files = {};
const entries = names.map((name) => {
  let text = readFileSync(join(root, 'harness', PACKAGE, name), 'utf8');
  if (text.includes('\r')) throw new Error(`harness/${PACKAGE}/${name} has CR line ends`);
  if (!text.endsWith('\n')) text += '\n';
  files[`${PACKAGE}/${name}`] = text;
  return `    ${JSON.stringify(`${PACKAGE}/${name}`)}: ${pythonLiteral(text)},\n`;
});
// A function, not a string, as the replacement: in a string `$$` would turn into `$`.
const assembled = bootstrap.replace(
  TABLE_LINE,
  () => `KAGGLE_RUN_HARNESS_FILES = {\n${entries.join('')}}\n`,
);

mkdirSync(OUTPUT_DIR, { recursive: true });
writeAtomic(join(OUTPUT_DIR, 'harness.py'), assembled);
// The same files for a server's spare kernels, which compile the modules while they wait
// (src/platform/local/spare-wrapper.ts): a harness takes a compiled module only for its own text.
writeAtomic(join(OUTPUT_DIR, 'modules.json'), JSON.stringify(files));
copyFileSync(join(root, 'harness', PACKAGE, 'contract.json'), join(OUTPUT_DIR, 'contract.json'));
