import picomatch from 'picomatch';
import { UsageError } from '../errors.js';

/** A compiled list of the spec's include or exclude globs. */
export interface GlobSet {
  /** True when a path (POSIX, relative to the root) or one of its parent folders matches. */
  matches(relPath: string): boolean;
  /**
   * The folders (relative to the root, '' for the root itself) that hold every path the
   * globs can match, so that finding included files walks only those.
   */
  bases: string[];
}

/**
 * Compiles globs written relative to the project root. A glob that names a folder (`data`,
 * `data/`) covers everything inside it, as it would in a .gitignore; dot files match too.
 */
export function compileGlobs(globs: readonly string[], field: 'include' | 'exclude'): GlobSet {
  const patterns = globs.map((g) => normalizeGlob(g, field));
  const matchers = patterns.map((p) => picomatch(p, { dot: true }));
  const bases = patterns.map((p) => {
    const scan = picomatch.scan(p);
    return scan.isGlob ? scan.base : p;
  });
  return {
    matches(relPath) {
      if (matchers.length === 0) return false;
      // Try the path and each of its parent folders: `data` excludes `data/x.csv`.
      let candidate = relPath;
      for (;;) {
        if (matchers.some((m) => m(candidate))) return true;
        const slash = candidate.lastIndexOf('/');
        if (slash < 0) return false;
        candidate = candidate.slice(0, slash);
      }
    },
    bases: [...new Set(bases)],
  };
}

function normalizeGlob(glob: string, field: string): string {
  let pattern = glob.trim().replaceAll('\\', '/');
  while (pattern.startsWith('./')) pattern = pattern.slice(2);
  // A leading slash anchors at the root in .gitignore syntax; globs here are already anchored.
  while (pattern.startsWith('/')) pattern = pattern.slice(1);
  while (pattern.endsWith('/')) pattern = pattern.slice(0, -1);
  if (pattern === '' || pattern.split('/').includes('..')) {
    throw new UsageError(`${field}: ${JSON.stringify(glob)} is not a path inside the project`, {
      hint: `write ${field} globs relative to the project root, e.g. "weights/*.pt"`,
    });
  }
  return pattern;
}
