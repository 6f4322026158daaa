// Loads the bundled CLI (dist/cli/main.cjs) with V8's code cache: what V8 compiled in an
// earlier start of the same command is read back instead of compiled again, which took a
// third of a run's start (node 20 has no compile cache of its own; 22's needs ES modules
// anyway). The cache is the user's, beside the interpreter probes (probe-cache.ts says where),
// one file per bundle, node version and command, so a command's cache holds what it runs.
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
  writeFileSync,
} = require('node:fs');
const Module = require('node:module');
const { homedir } = require('node:os');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

/** Where the code caches are kept: $XDG_CACHE_HOME/kaggle-run/code-cache (~/.cache by default). */
function cacheFolder(env) {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'kaggle-run', 'code-cache');
}

function readOrUndefined(path) {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Writes the cache whole (temp file, then rename) and lets caches of other bundles go. */
function saveCache(folder, name, prefix, script) {
  try {
    const data = script.createCachedData();
    mkdirSync(folder, { recursive: true });
    const temp = join(folder, `${name}.${process.pid}.tmp`);
    writeFileSync(temp, data);
    renameSync(temp, join(folder, name));
    for (const other of readdirSync(folder)) {
      if (!other.startsWith(prefix)) rmSync(join(folder, other), { force: true });
    }
  } catch {
    // A cache that cannot be written only means the next start compiles again.
  }
}

/**
 * The CLI's exports (`main`), compiled from `file` with the cache kept for `command`. The
 * cache is written once main() is done (`save`), so it holds the functions the command ran.
 */
function loadCli(file, command, env = process.env) {
  const source = readFileSync(file, 'utf8');
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const prefix = `cli-${hash}-`;
  const name = `${prefix}${process.version}-${process.arch}-${command}.bin`;
  let folder;
  try {
    folder = cacheFolder(env);
  } catch {
    folder = undefined; // no home folder to keep a cache in: compile every time
  }
  const cached = folder === undefined ? undefined : readOrUndefined(join(folder, name));
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    ...(cached === undefined ? {} : { cachedData: cached }),
  });
  const fresh = cached === undefined || script.cachedDataRejected === true;
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
    cacheFile: folder === undefined ? undefined : join(folder, name),
    save: () => {
      if (fresh && folder !== undefined) saveCache(folder, name, prefix, script);
    },
  };
}

/** The cache's name for the command in `argv`: its first word, when it is one. */
function commandOf(argv) {
  const first = argv[0];
  return first !== undefined && /^[a-z][a-z-]{0,30}$/.test(first) ? first : 'other';
}

module.exports = { loadCli, commandOf, cacheFolder };
