// Bundles the compiled CLI (dist/src/cli/main.js) into dist/cli/ for the published entry:
// one file per command's actions instead of ~260 modules, so start-up does not pay for
// resolving and reading each module. The library entry (dist/src/index.js) stays unbundled
// ESM with its types. Run after `tsc` (npm run build does both).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';

const outdir = 'dist/cli';
await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: {
    main: 'dist/src/cli/main.js',
    // Started as a worker by the packer, found beside the chunk that starts it.
    'small-files-worker': 'dist/src/pack/small-files-worker.js',
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  // Less to parse at every start; names are kept, so stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  // CommonJS dependencies (commander) call require() for node's modules; ESM has none.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
});

// What `--version` and each `--help` print, for the entry to answer from (see bin/). Asked of
// the bundle just built, in a child whose stdout is a pipe (help laid out at 80 columns) and
// whose colours are off (the help has none; this keeps it so).
const env = { ...process.env, NO_COLOR: '1' };
delete env.FORCE_COLOR;
delete env.CLICOLOR_FORCE;
const texts = execFileSync(process.execPath, ['scripts/cli-texts.mjs'], {
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
  encoding: 'utf8',
});
await writeFile(`${outdir}/texts.json`, texts);
