#!/usr/bin/env node
// The published entry: the bundled CLI (run `npm run build` in a checkout first).
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // Answered before the CLI loads (what `main` prints too): a version check costs no more
  // than starting node.
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url)));
  process.stdout.write(`${version}\n`);
} else {
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(argv);
}
