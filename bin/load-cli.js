// Loads the bundled CLI (dist/cli/main.cjs) with V8's code cache: what V8 compiled in an
// earlier start of the same command is read back instead of compiled again, which took a
// third of a run's start (node 20 has no compile cache of its own). The cache is the user's,
// beside the interpreter probes (probe-cache.ts), one file per bundle, node version and
// command, so a command's cache holds what it runs.
// V8 tells a cache apart only by the length of the source, so its file is named by a hash of
// the source's content: a changed bundle of the same length can never take an old cache.
// Anything that fails here (no home, a read-only cache, a rejected cache) only costs speed.
'use strict';
const { createHash } = require('node:crypto');
const {
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} = require('node:fs');
const Module = require('node:module');
const { homedir } = require('node:os');
const { dirname, isAbsolute, join } = require('node:path');
const vm = require('node:vm');

/**
 * Where the code caches are kept: $XDG_CACHE_HOME/kaggle-run/code-cache (~/.cache by default).
 * Only an absolute base counts (as for the user config): a blank or relative one would put
 * the cache in whatever folder the command runs in. Throws when there is none.
 */
function cacheFolder(env) {
  const xdg = env.XDG_CACHE_HOME?.trim();
  const home = env.HOME?.trim() || homedir();
  const base = xdg && isAbsolute(xdg) ? xdg : join(home, '.cache');
  if (!isAbsolute(base)) throw new Error('no absolute cache folder');
  return join(base, 'kaggle-run', 'code-cache');
}

function readOrUndefined(path) {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Caches no start has used for this long go when another is saved (other bundles, node versions). */
const UNUSED_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Writes the cache whole (temp file, then rename) and lets long-unused caches go. */
function saveCache(folder, name, script) {
  try {
    const data = script.createCachedData();
    mkdirSync(folder, { recursive: true });
    const temp = join(folder, `${name}.${process.pid}.tmp`);
    writeFileSync(temp, data);
    renameSync(temp, join(folder, name));
    const cutoff = Date.now() - UNUSED_DAYS * DAY_MS;
    for (const other of readdirSync(folder)) {
      const path = join(folder, other);
      if (other !== name && statSync(path).mtimeMs < cutoff) rmSync(path, { force: true });
    }
  } catch {
    // A cache that cannot be written only means the next start compiles again.
  }
}

/** Marks a cache as used (its mtime), at most once a day: what is used never ages out. */
function markUsed(path) {
  try {
    if (statSync(path).mtimeMs < Date.now() - DAY_MS) {
      const now = new Date();
      utimesSync(path, now, now);
    }
  } catch {
    // Only ageing is at stake.
  }
}

/**
 * The CLI's exports (`main`), compiled from `file` with the cache kept for `command`. The
 * cache is written once main() is done (`save`), so it holds the functions the command ran.
 */
function loadCli(file, command, env = process.env) {
  const source = readFileSync(file, 'utf8');
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const name = `cli-${hash}-${process.version}-${process.arch}-${command}.bin`;
  let folder;
  try {
    folder = cacheFolder(env);
  } catch {
    folder = undefined; // no home folder to keep a cache in: compile every time
  }
  const cacheFile = folder === undefined ? undefined : join(folder, name);
  const cached = cacheFile === undefined ? undefined : readOrUndefined(cacheFile);
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    ...(cached === undefined ? {} : { cachedData: cached }),
  });
  const fresh = cached === undefined || script.cachedDataRejected === true;
  if (!fresh) markUsed(cacheFile);
  const module = { exports: {}, filename: file, id: file, loaded: false };
  const wrapper = script.runInThisContext();
  wrapper.call(
    module.exports,
    module.exports,
    Module.createRequire(file),
    module,
    file,
    dirname(file),
  );
  module.loaded = true;
  return {
    exports: module.exports,
    /** True when V8 took the kept cache (nothing of it had to be compiled again). */
    fromCache: !fresh,
    cacheFile,
    save: () => {
      if (fresh && folder !== undefined) saveCache(folder, name, script);
    },
  };
}

/** The cache's name for the command in `argv`: its first word, when it is one. */
function commandOf(argv) {
  const first = argv[0];
  return first !== undefined && /^[a-z][a-z-]{0,30}$/.test(first) ? first : 'other';
}

module.exports = { loadCli, commandOf };
