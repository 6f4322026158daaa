// "Did you mean ...?" for misspelt keys, profile and param names.

/** Optimal string alignment distance: Levenshtein plus swaps of two neighbours (`nmae`). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** camelCase, kebab-case and case differences all count as the same spelling. */
function normalise(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toLowerCase();
}

/**
 * The closest known name: same spelling once normalised (`timeoutSeconds`), within 2 edits
 * (`nmae`), or one a prefix of the other (`req` -> `requirements`). Fewer edits win.
 */
export function closestMatch(input: string, known: readonly string[]): string | undefined {
  const typed = normalise(input);
  let best: { name: string; score: number } | undefined;
  for (const name of known) {
    const target = normalise(name);
    let score = editDistance(typed, target);
    if (score > 2) {
      const prefix =
        typed.length >= 2 &&
        target.length >= 2 &&
        (target.startsWith(typed) || typed.startsWith(target));
      score = prefix ? 3 : Number.POSITIVE_INFINITY;
    }
    if (score !== Number.POSITIVE_INFINITY && (best === undefined || score < best.score)) {
      best = { name, score };
    }
  }
  return best?.name;
}

/** " (did you mean `x`?)" or "; known keys: a, b, c" so every unknown name says what to do. */
export function suggestion(input: string, known: readonly string[], what = 'known keys'): string {
  const match = closestMatch(input, known);
  if (match !== undefined) return `; did you mean \`${match}\`?`;
  return known.length === 0 ? '' : `; ${what}: ${known.join(', ')}`;
}
