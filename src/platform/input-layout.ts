// Where an attached source appears under a session's input folder (/kaggle/input). Kaggle
// mounts each kind in a folder of its own:
//
//   datasets/<owner>/<slug>/                                   current
//   competitions/<slug>/
//   models/<owner>/<model>/<framework>/<variation>/<version>/
//   notebooks/<owner>/<slug>/                                  (another kernel's outputs)
//
// and some sessions still get the older, flat form: <slug>/ for datasets, competitions and
// notebooks, <model>/<framework>/<variation>/<version>/ for models. `both` lays out each
// source twice (hard links: no copies), as careful code checks both.

export const INPUT_LAYOUTS = ['current', 'legacy', 'both'] as const;
export type InputLayout = (typeof INPUT_LAYOUTS)[number];

export function parseInputLayout(text: string): InputLayout | null {
  const key = text.trim().toLowerCase();
  return (INPUT_LAYOUTS as readonly string[]).includes(key) ? (key as InputLayout) : null;
}

export type InputSource =
  | { kind: 'dataset'; owner: string; slug: string }
  | { kind: 'competition'; slug: string }
  | {
      kind: 'model';
      owner: string;
      model: string;
      /** Lower case, as Kaggle mounts it. */
      framework: string;
      variation: string;
      version: number;
    }
  | { kind: 'notebook'; owner: string; slug: string };

function currentFolder(source: InputSource): string {
  switch (source.kind) {
    case 'dataset':
      return `datasets/${source.owner}/${source.slug}`;
    case 'competition':
      return `competitions/${source.slug}`;
    case 'model':
      return `models/${source.owner}/${source.model}/${source.framework}/${source.variation}/${source.version}`;
    case 'notebook':
      return `notebooks/${source.owner}/${source.slug}`;
  }
}

function legacyFolder(source: InputSource): string {
  if (source.kind === 'model') {
    return `${source.model}/${source.framework}/${source.variation}/${source.version}`;
  }
  return source.slug;
}

/** The source's folders relative to the input folder, the preferred one first. */
export function sourceFolders(source: InputSource, layout: InputLayout): string[] {
  if (layout === 'current') return [currentFolder(source)];
  if (layout === 'legacy') return [legacyFolder(source)];
  return [currentFolder(source), legacyFolder(source)];
}

/**
 * The names KAGGLE_RUN_INPUTS gives a source: its full name (`owner/slug`, the competition's
 * slug, `owner/model/framework/variation/version`) and, for datasets and notebooks, the
 * bare slug as `data:` names them. `also` adds the ref exactly as the push named it (with a
 * version, or a framework in its own case).
 */
function namesOf(source: InputSource, also: readonly string[]): string[] {
  const names = [...also];
  switch (source.kind) {
    case 'dataset':
    case 'notebook':
      names.push(`${source.owner}/${source.slug}`, source.slug);
      break;
    case 'competition':
      names.push(source.slug);
      break;
    case 'model':
      names.push(
        `${source.owner}/${source.model}/${source.framework}/${source.variation}/${source.version}`,
      );
      break;
  }
  return names;
}

/**
 * Each source's names -> its preferred folder (relative to the input folder). A name two
 * sources share (one slug under two owners) names neither: the full names still do.
 */
export function inputMap(
  attached: readonly { source: InputSource; refs?: readonly string[] }[],
  layout: InputLayout,
): Record<string, string> {
  const folders = new Map<string, string | null>();
  for (const { source, refs } of attached) {
    const folder = sourceFolders(source, layout)[0] ?? '';
    for (const name of new Set(namesOf(source, refs ?? []))) {
      const known = folders.get(name);
      folders.set(name, known === undefined || known === folder ? folder : null);
    }
  }
  const map: Record<string, string> = {};
  for (const [name, folder] of folders) if (folder !== null) map[name] = folder;
  return map;
}
