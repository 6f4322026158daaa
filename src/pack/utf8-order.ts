/**
 * Sorts by the UTF-8 bytes of a key: the zip's entry order, the same on every machine and
 * locale. (JavaScript's own string order differs for characters beyond U+FFFF.) Keys are
 * encoded once, not once per comparison.
 */
export function sortByUtf8<T>(items: readonly T[], key: (item: T) => string): T[] {
  return items
    .map((item) => ({ item, bytes: Buffer.from(key(item), 'utf8') }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map(({ item }) => item);
}
