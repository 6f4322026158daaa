#!/usr/bin/env node
// The published entry: the compiled CLI (run `npm run build` in a checkout first).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
