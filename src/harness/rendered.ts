// Reading a kernel's source as a rendered harness (render.ts writes it): the header line, then
// the settings line. The server tells from it what a session needs; anything else (a user's
// own script, a harness that cannot be read) is taken as a plain script.

/** The first line of every rendered harness starts so (then the version). */
export const HARNESS_HEADER = '# kaggle-run harness ';

const SETTINGS_LINE = /^KAGGLE_RUN_SETTINGS_B64 = '([A-Za-z0-9+/=]*)'$/;

/** The settings of a rendered harness, or undefined when `source` is none. */
function renderedSettings(
  source: string,
): { kind?: unknown; requirements?: unknown; batch?: unknown } | undefined {
  if (!source.startsWith(HARNESS_HEADER)) return undefined;
  const first = source.indexOf('\n');
  if (first === -1) return undefined;
  const second = source.indexOf('\n', first + 1);
  const match = SETTINGS_LINE.exec(source.slice(first + 1, second === -1 ? undefined : second));
  if (match === null) return undefined;
  try {
    const settings: unknown = JSON.parse(Buffer.from(match[1]!, 'base64').toString('utf8'));
    return typeof settings === 'object' && settings !== null ? settings : undefined;
  } catch {
    return undefined;
  }
}

/** The line of a harness that adds site itself where it needs it (harness/bootstrap.py). */
const WITHOUT_SITE_LINE = '\nKAGGLE_RUN_HARNESS_WITHOUT_SITE = True\n';

/**
 * Whether `source` is a rendered harness that may start without Python's site (-S): one that
 * says so. A harness rendered by an older kaggle-run (a client older than the server) would
 * not find nbclient then, so it starts as any script does.
 */
export function harnessStartsWithoutSite(source: string): boolean {
  return renderedSettings(source) !== undefined && source.includes(WITHOUT_SITE_LINE);
}

/**
 * Whether `source` is a rendered harness that runs a notebook: a server session then needs
 * an interpreter that can run one, as a local run of the job would get.
 */
export function harnessRunsNotebook(source: string): boolean {
  return renderedSettings(source)?.kind === 'notebook';
}

/**
 * Whether `source` is a rendered harness that runs one script with no requirements step:
 * one whose program may start while the harness itself loads (an install could change what
 * a start loads; a notebook or a batch starts its interpreters its own way).
 */
export function harnessRunsPlainScript(source: string): boolean {
  const settings = renderedSettings(source);
  return (
    settings?.kind === 'script' &&
    (settings.requirements ?? null) === null &&
    (settings.batch ?? null) === null
  );
}
