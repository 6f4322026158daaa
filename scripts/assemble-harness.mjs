// Assembles the harness a kernel runs: one Python file, harness/bootstrap.py with every
// module of harness/kaggle_run_harness/ embedded as text under its own file name (the
// bootstrap registers them with importlib and linecache, so tracebacks keep module names
// and line numbers). Written to dist/harness/harness.py, which the renderer reads.
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGE = 'kaggle_run_harness';
const TABLE_LINE = 'KAGGLE_RUN_HARNESS_MODULES = {}\n';
const OUTPUT = join(root, 'dist', 'harness', 'harness.py');

/** A Python ''' string literal holding `text` exactly, its lines kept one for one. */
function pythonLiteral(text) {
  // Doubled backslashes first, then every run of three quotes broken up: what is left can
  // neither escape nor end the literal.
  return "'''" + text.replace(/\\/g, '\\\\').replace(/'''/g, "\\'\\'\\'") + "'''";
}

const bootstrap = readFileSync(join(root, 'harness', 'bootstrap.py'), 'utf8');
if (bootstrap.split(TABLE_LINE).length !== 2) {
  throw new Error(`harness/bootstrap.py must hold the line ${TABLE_LINE.trim()} exactly once`);
}
const files = readdirSync(join(root, 'harness', PACKAGE))
  .filter((name) => name.endsWith('.py'))
  .sort((a, b) => (a === '__init__.py' ? -1 : b === '__init__.py' ? 1 : a.localeCompare(b)));
if (files[0] !== '__init__.py') throw new Error(`harness/${PACKAGE}/__init__.py is missing`);

const entries = files.map((name) => {
  let source = readFileSync(join(root, 'harness', PACKAGE, name), 'utf8');
  if (source.includes('\r')) throw new Error(`harness/${PACKAGE}/${name} has CR line ends`);
  if (!source.endsWith('\n')) source += '\n';
  const module = name === '__init__.py' ? PACKAGE : `${PACKAGE}.${name.slice(0, -'.py'.length)}`;
  return `    ${JSON.stringify(module)}: (\n        ${JSON.stringify(`${PACKAGE}/${name}`)},\n        ${pythonLiteral(source)},\n    ),\n`;
});
// A function, not a string, as the replacement: in a string `$$` would turn into `$`.
const assembled = bootstrap.replace(
  TABLE_LINE,
  () => `KAGGLE_RUN_HARNESS_MODULES = {\n${entries.join('')}}\n`,
);

mkdirSync(dirname(OUTPUT), { recursive: true });
const temp = `${OUTPUT}.${process.pid}.tmp`;
writeFileSync(temp, assembled);
renameSync(temp, OUTPUT);
