// What the user wrote, in words, for config messages: "a number (3)", "a list", "nothing".

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date || (typeof value === 'object' && 'toISOString' in value)) {
    return 'a date';
  }
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `a string (${JSON.stringify(value)})`;
  if (typeof value === 'number' || typeof value === 'boolean') {
    return `a ${typeof value} (${String(value)})`;
  }
  return typeof value;
}
