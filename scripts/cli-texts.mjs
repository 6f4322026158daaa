// Prints, as JSON, what the bundled CLI answers to `--version` and to each command's `--help`
// (keyed by the arguments, joined by NUL), so the entry can answer these without loading the
// CLI. Run by bundle-cli.mjs with stdout a pipe: commander then lays help out at 80 columns,
// the width the entry checks for before it answers from this table.
import { createRequire } from 'node:module';

const { main, commandPaths } = createRequire(import.meta.url)('../dist/cli/main.cjs');

const texts = {};
const ask = async (argv) => {
  let out = '';
  let err = '';
  const io = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: {}, cwd: '/' };
  // Only plain answers go in the table; anything else is left to the CLI itself.
  if ((await main(argv, io)) === 0 && err === '' && out !== '') texts[argv.join('\0')] = out;
};
for (const argv of [['--version'], ['-V']]) await ask(argv);
for (const path of [[], ...commandPaths()])
  for (const flag of ['--help', '-h']) await ask([...path, flag]);
process.stdout.write(JSON.stringify(texts));
