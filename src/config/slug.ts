// Job names become the base of a Kaggle kernel slug: lowercase letters, digits and dashes.

/** "My Model (v2)" -> "my-model-v2"; empty when nothing usable is left. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
