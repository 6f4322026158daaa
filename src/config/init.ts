// `kaggle-run init`: writes a commented starter kaggle-run.yaml that already works for the
// common case (entry and requirements detected) and shows every other key commented out.

import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { acceleratorNames } from '../accelerator.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { yamlNames } from './find-project-file.js';
import { ExactNumber, exactJson, type ParamValue } from './param-value.js';
import { readNotebook } from './read-notebook.js';
import { slugify } from '../util/slug.js';

const preferredEntries = ['main.py', 'train.py', 'run.py', 'app.py'];
// Top-level Python files that are never the program to run.
const notEntries = new Set(['setup.py', 'conftest.py', '__init__.py', 'noxfile.py']);

export async function initProject(
  dir: string,
  options: { force?: boolean } = {},
): Promise<{ path: string; entry: string | undefined }> {
  const root = resolve(dir);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new UsageError(`folder not found: ${root}`, { hint: 'create it first, or pass another' });
  }
  const files = await topLevelFiles(root);
  const existing = yamlNames.filter((name) => files.includes(name));
  if (existing.length > 0 && !options.force) {
    throw new UsageError(`${join(root, existing[0] ?? '')} already exists`, {
      hint: 'pass --force to overwrite it',
    });
  }
  const entry = detectEntry(files);
  const path = join(root, 'kaggle-run.yaml');
  const notebookParams =
    entry?.endsWith('.ipynb') === true
      ? await readNotebook(join(root, entry), entry).then(
          (facts) => facts.parameters,
          () => undefined, // a notebook the run will refuse: `run` says why
        )
      : undefined;
  const text = starterSpec({
    name: slugify(basename(root)) === '' ? 'my-job' : basename(root),
    entry,
    candidates: files.filter(isEntryFile),
    requirements: files.includes('requirements.txt'),
    notebookParams,
  });
  await writeFileAtomic(path, text);
  return { path, entry };
}

async function topLevelFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
}

function isEntryFile(name: string): boolean {
  return /\.(py|ipynb)$/.test(name) && !notEntries.has(name) && !/^(test_|_)/.test(name);
}

/** main.py, train.py, run.py, app.py, else the only script or notebook; else undefined. */
export function detectEntry(files: readonly string[]): string | undefined {
  const preferred = preferredEntries.find((name) => files.includes(name));
  if (preferred !== undefined) return preferred;
  const candidates = files.filter(isEntryFile);
  return candidates.length === 1 ? candidates[0] : undefined;
}

interface StarterValues {
  name: string;
  entry: string | undefined;
  candidates: string[];
  requirements: boolean;
  /** What the entry notebook's `parameters` cell assigns. */
  notebookParams?: { name: string; value?: ParamValue }[] | undefined;
}

/** A param value as YAML reads it back exactly (a whole float keeps its `.0`). */
function yamlValue(value: ParamValue): string {
  if (value instanceof ExactNumber) {
    const special: Record<string, string> = { NaN: '.nan', Infinity: '.inf', '-Infinity': '-.inf' };
    return special[value.jsonText] ?? value.jsonText;
  }
  return typeof value === 'object' && value !== null
    ? exactJson(value)
    : stringify(value).trimEnd();
}

function paramsLines(values: StarterValues): string[] {
  const found = values.notebookParams ?? [];
  if (found.length === 0) {
    return [
      '# Params with their defaults; override with -p KEY=VALUE (e.g. -p lr=0.01).',
      '# Scripts get them as ${name} in args; notebooks in their `parameters` cell.',
      '# params:',
      '#   lr: 0.001',
      '#   epochs: 10',
    ];
  }
  return [
    `# The parameters cell of ${values.entry ?? 'the notebook'} defines these params (their defaults`,
    '# there); -p KEY=VALUE overrides one for a run. Uncomment to set other defaults here.',
    '# params:',
    ...found.map((p) =>
      p.value === undefined
        ? `#   ${p.name}:   # set in the notebook by code, not a plain value`
        : `#   ${p.name}: ${yamlValue(p.value)}`,
    ),
  ];
}

/** A YAML scalar, quoted only when YAML needs it. */
function scalar(value: string): string {
  return stringify(value).trimEnd();
}

export function starterSpec(values: StarterValues): string {
  const entryLines =
    values.entry !== undefined
      ? [`entry: ${scalar(values.entry)}`]
      : [
          '# entry: train.py',
          values.candidates.length > 0
            ? `#   (several candidates: ${values.candidates.slice(0, 6).join(', ')}; pick one)`
            : '#   (no script or notebook found at the top level; name yours here)',
        ];
  const requirementsLines = values.requirements
    ? ['requirements: requirements.txt']
    : ['# requirements: requirements.txt   # or a list: ["numpy>=1.26", "scikit-learn"]'];
  return [
    '# kaggle-run job spec. Run it here with `kaggle-run run`, on Kaggle with',
    '# `kaggle-run run --kaggle`. Flags and KAGGLE_RUN_* variables override these keys.',
    '',
    '# Job name; also the base of the Kaggle kernel slug.',
    `name: ${scalar(values.name)}`,
    '',
    '# The script (.py) or notebook (.ipynb) to run, relative to this file.',
    ...entryLines,
    '',
    '# pip requirements: a file next to this one, or a list of requirement lines.',
    ...requirementsLines,
    '',
    ...paramsLines(values),
    '',
    '# Script arguments.',
    '# args: ["--lr", "${lr}", "--epochs", "${epochs}"]',
    '',
    '# Named sets of params: kaggle-run run --profile quick',
    '# profiles:',
    '#   quick:',
    '#     epochs: 1',
    '',
    `# Accelerator: ${acceleratorNames().join(', ')}`,
    '# (aliases: cpu, gpu). Default: none.',
    '# accelerator: t4x2',
    '',
    '# Files to bring back from the working folder (globs); default: every new or changed file.',
    '# outputs:',
    '#   - "*.pt"',
    '#   - "logs/**"',
    '',
    '# Time limit: seconds or 90s, 30m, 2h, 1h30m; at most 12h (the default).',
    '# timeout: 2h',
    '',
    '# Kaggle datasets attached as inputs: "owner/slug" or "owner/slug/VERSION".',
    '# datasets:',
    '#   - owner/dataset-slug',
    '',
    '# How the code reaches Kaggle: auto (inline under ~1 MiB, else a private dataset),',
    '# inline, dataset, or git (the kernel clones your repository at a pinned commit).',
    '# code: auto',
    '',
    '# Local files or folders shipped as private datasets (only when they change),',
    '# mounted at /kaggle/input/datasets/<you>/<slug>/.',
    '# data:',
    '#   voice-ref: refs/voice.wav',
    '',
    '# Kaggle user secrets loaded into the environment (Add-ons > Secrets on Kaggle).',
    '# secrets: [HF_TOKEN]',
    '',
    '# Kaggle kernel settings (both default to true).',
    '# internet: true',
    '# private: true',
    '',
  ].join('\n');
}
