// V8's settings for a command of the CLI, set before the bundle is compiled. A command lives
// seconds: TurboFan's compiles (on a thread of their own, beside the kernel or server that
// shares the cores) cost more than their code gained back. With Maglev as the top tier a
// fetch of 2,000 small outputs and a 512 MiB one took 1.75 s of CPU instead of 1.91 s
// (bench/fetch-speed's client, alternated runs). `server` is the one long-lived command: it keeps the default.
'use strict';
const v8 = require('node:v8');

/** Commands that run for hours and earn back what TurboFan costs. */
const LONG_LIVED = new Set(['server']);

/** Applies the settings for `command` (a word from commandOf). */
function tuneV8For(command) {
  if (!LONG_LIVED.has(command)) v8.setFlagsFromString('--max-opt=2');
}

module.exports = { tuneV8For };
