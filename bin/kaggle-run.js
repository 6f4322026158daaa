#!/usr/bin/env node
// The published entry: the bundled CLI (run `npm run build` in a checkout first), loaded with
// V8's code cache (load-cli.js). CommonJS (bin/package.json), since node starts a CommonJS
// file a little faster than a module.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const argv = process.argv.slice(2);

/**
 * What the CLI prints for exactly these arguments, when the build kept it (`--version`, each
 * command's `--help`: dist/cli/texts.json, written by the bundle step from the CLI itself).
 * Help is laid out for the terminal's width, and the kept text for 80 columns (a pipe's), so
 * a terminal of another width gets the CLI's own answer.
 */
function keptAnswer() {
  const last = argv.at(-1);
  const help = last === '--help' || last === '-h';
  if (!help && last !== '--version' && last !== '-V') return;
  if (help && process.stdout.isTTY && process.stdout.columns !== 80) return;
  let texts;
  try {
    texts = JSON.parse(readFileSync(join(__dirname, '..', 'dist', 'cli', 'texts.json'), 'utf8'));
  } catch {
    return; // not built yet, or an older build: the CLI answers
  }
  const key = argv.join('\0');
  return Object.hasOwn(texts, key) && typeof texts[key] === 'string' ? texts[key] : undefined;
}

const kept = keptAnswer();
if (kept !== undefined) {
  process.stdout.write(kept);
} else {
  // A failure to load (not built) throws here: node prints it and exits 1.
  const { commandOf, loadCli } = require('./load-cli.js');
  const command = commandOf(argv);
  require('./tune-v8.js').tuneV8For(command);
  const cli = loadCli(join(__dirname, '..', 'dist', 'cli', 'main.cjs'), command);
  void cli.exports.main(argv).then((code) => {
    process.exitCode = code;
    cli.save();
  });
}
