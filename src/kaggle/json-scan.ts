// The one scanning rule the streaming JSON readers share (string-member.ts,
// json-array-elements.ts): the end of a string, found by jumping between quotes and
// backslashes, across chunk edges.

/**
 * Where the string that `chunk` continues at `i` closes: the index of its closing quote, or
 * -1 when it goes on into the next chunk; `escaped` says a backslash ended the chunk, and is
 * passed back in with the next one.
 */
export function stringEnd(
  chunk: string,
  i: number,
  escaped: boolean,
): { end: number; escaped: boolean } {
  let at = i;
  if (escaped) {
    if (at >= chunk.length) return { end: -1, escaped: true };
    at++;
  }
  for (;;) {
    const quote = chunk.indexOf('"', at);
    const slash = chunk.indexOf('\\', at);
    if (slash >= 0 && (quote < 0 || slash < quote)) {
      if (slash + 1 >= chunk.length) return { end: -1, escaped: true };
      at = slash + 2;
      continue;
    }
    return { end: quote, escaped: false };
  }
}
