// Bundles the compiled CLI (dist/src/cli/main.js) into dist/cli/main.cjs for the published
// entry: one file instead of ~260 modules, so start-up does not pay for resolving and reading
// each module, and one script V8 can keep compiled between starts (bin/load-cli.js). The
// library entry (dist/src/index.js) stays unbundled ESM with its types. Run after `tsc`
// (npm run build does both).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';

const outdir = 'dist/cli';
await rm(outdir, { recursive: true, force: true });
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  // Less to parse at every start; names are kept, so stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
};
// One CommonJS file, not ESM chunks: bin/load-cli.js compiles it as one script with V8's code
// cache, which node 20 has no way to give ES modules. The modules a command does not use
// stay unevaluated (esbuild wraps each lazily imported module in an init function).
await build({
  ...common,
  entryPoints: ['dist/src/cli/main.js'],
  outfile: `${outdir}/main.cjs`,
  format: 'cjs',
  // The modules that find files beside themselves (package-root.ts, small-worker.ts,
  // background-writes.ts) ask
  // import.meta.url, which a CommonJS file lacks: it is the bundle's own URL.
  define: { 'import.meta.url': '__kaggleRunBundleUrl' },
  // "use strict" first: esbuild's own directive comes after the banner, where it is none.
  banner: {
    js: '"use strict";\nconst __kaggleRunBundleUrl = require("node:url").pathToFileURL(__filename).href;',
  },
});
// Started as workers (by the packer, and for small downloaded files), found beside the bundle
// that starts them.
for (const worker of ['pack/small-files-worker', 'util/background-writes-worker']) {
  await build({
    ...common,
    entryPoints: [`dist/src/${worker}.js`],
    outfile: `${outdir}/${worker.split('/')[1]}.js`,
    format: 'esm',
  });
}

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
