// kernel-metadata.json as `kaggle kernels push` reads it (protocol.md §5.1), validated by
// the same rules, every problem reported at once, turned into a SaveKernel request (a
// notebook's text normalised as the official CLI normalises it).

import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { parseAccelerator, accelerators } from '../accelerator.js';
import type { SaveKernelRequest } from './kernel-types.js';
import type { KernelRef } from './kernel-ref.js';
import { parseNotebook } from '../config/read-notebook.js';
import { pushedNotebookText } from './push-notebook.js';

export const KERNEL_METADATA_FILE = 'kernel-metadata.json';

export interface KernelFolder {
  /** Owner/slug when the metadata names an owner; the caller fills in the user otherwise. */
  ref: { owner: string | undefined; slug: string };
  codeFile: string;
  request: SaveKernelRequest;
}

type Raw = Record<string, unknown>;

function bool(raw: Raw, key: string, fallback: boolean, problems: ConfigProblem[]): boolean {
  const value = raw[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && ['true', 'false'].includes(value.toLowerCase()))
    return value.toLowerCase() === 'true';
  problems.push({
    path: key,
    message: `Invalid boolean value ${JSON.stringify(value)}: use true or false`,
  });
  return fallback;
}

function list(
  raw: Raw,
  key: string,
  problems: ConfigProblem[],
  check?: (item: string) => string | undefined,
): string[] {
  const value = raw[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    problems.push({ path: key, message: 'must be a list of strings' });
    return [];
  }
  value.forEach((item, i) => {
    const problem = check?.(item);
    if (problem !== undefined) problems.push({ path: `${key}.${i}`, message: problem });
  });
  return value;
}

function kernelRefProblem(ref: string, allowVersion: boolean): string | undefined {
  const parts = ref.split('/');
  if (parts.length < 2 || parts.length > (allowVersion ? 3 : 2) || !parts[0] || !parts[1]) {
    return `${JSON.stringify(ref)} must look like owner/kernel-slug${allowVersion ? '[/version]' : ''}`;
  }
  if (parts[1].length < 5)
    return `the kernel slug in ${JSON.stringify(ref)} must be at least 5 characters`;
  if (parts.length === 3 && !/^\d+$/.test(parts[2] ?? ''))
    return `the version in ${JSON.stringify(ref)} must be a number`;
  return undefined;
}

export async function readKernelFolder(dir: string): Promise<KernelFolder> {
  const file = join(dir, KERNEL_METADATA_FILE);
  let raw: Raw;
  try {
    raw = JSON.parse(await readFile(file, 'utf8')) as Raw;
  } catch (error) {
    throw new ConfigError(
      [
        {
          path: '',
          file,
          message: `cannot read ${KERNEL_METADATA_FILE}: ${(error as Error).message}`,
        },
      ],
      {
        hint: 'a kernel folder holds kernel-metadata.json (see `kaggle kernels init`) and its code file',
      },
    );
  }
  const problems: ConfigProblem[] = [];
  const id = raw.id;
  const idNo = raw.id_no;
  if (typeof id !== 'string' && typeof idNo !== 'number')
    problems.push({ path: 'id', message: 'one of id ("owner/slug") or id_no is required' });
  if (typeof id === 'string' && id.includes('/')) {
    const problem = kernelRefProblem(id, false);
    if (problem !== undefined) problems.push({ path: 'id', message: problem });
  }
  const title = raw.title;
  if (title !== undefined && (typeof title !== 'string' || title.length < 5))
    problems.push({ path: 'title', message: 'must be at least 5 characters' });
  const codeFile = raw.code_file;
  let codePath = '';
  if (typeof codeFile !== 'string' || codeFile === '')
    problems.push({ path: 'code_file', message: 'is required' });
  else codePath = isAbsolute(codeFile) ? codeFile : join(dir, codeFile);
  const language = raw.language;
  if (!['python', 'r', 'rmarkdown'].includes(language as string))
    problems.push({ path: 'language', message: 'must be python, r or rmarkdown' });
  const kernelType = raw.kernel_type;
  if (kernelType !== 'script' && kernelType !== 'notebook')
    problems.push({ path: 'kernel_type', message: 'must be script or notebook' });
  const pinning = raw.docker_image_pinning_type;
  if (pinning !== undefined && pinning !== 'original' && pinning !== 'latest')
    problems.push({ path: 'docker_image_pinning_type', message: 'must be original or latest' });
  const request: SaveKernelRequest = {
    ...(typeof idNo === 'number' ? { id: idNo } : {}),
    ...(typeof title === 'string' ? { newTitle: title } : {}),
    language:
      language === 'rmarkdown' && kernelType === 'notebook'
        ? 'r'
        : (language as SaveKernelRequest['language']),
    kernelType: kernelType as SaveKernelRequest['kernelType'],
    datasetDataSources: list(raw, 'dataset_sources', problems),
    kernelDataSources: list(raw, 'kernel_sources', problems, (s) => kernelRefProblem(s, true)),
    competitionDataSources: list(raw, 'competition_sources', problems),
    modelDataSources: list(raw, 'model_sources', problems, (s) =>
      /^[^/]+\/[^/]+\/[^/]+\/[^/]+\/\d+$/.test(s)
        ? undefined
        : `${JSON.stringify(s)} must be owner/model/framework/variation/version`,
    ),
    categoryIds: list(raw, 'keywords', problems),
    isPrivate: bool(raw, 'is_private', true, problems),
    enableGpu: bool(raw, 'enable_gpu', false, problems),
    enableTpu: bool(raw, 'enable_tpu', false, problems),
    enableInternet: bool(raw, 'enable_internet', true, problems),
    ...(pinning === 'original' || pinning === 'latest' ? { dockerImagePinningType: pinning } : {}),
    ...(typeof raw.docker_image === 'string' ? { dockerImage: raw.docker_image } : {}),
    ...(typeof raw.machine_shape === 'string' ? { machineShape: raw.machine_shape } : {}),
  };
  let text = '';
  if (codePath !== '') {
    try {
      text = await readFile(codePath, 'utf8');
    } catch {
      problems.push({ path: 'code_file', message: `${codePath} does not exist` });
    }
    if (text !== '' && kernelType === 'notebook') {
      try {
        JSON.parse(text);
      } catch {
        problems.push({ path: 'code_file', message: `${codePath} is not a valid notebook (JSON)` });
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.map((p) => ({ ...p, file })));
  if (kernelType === 'notebook') {
    // The checks of a notebook run (nbformat 4, cells, one parameters cell, a Python
    // kernel) before anything is pushed; then the text as the official CLI sends it.
    parseNotebook(text, codeFile as string);
    text = pushedNotebookText(text);
  }
  request.text = text;
  const [owner, slug] =
    typeof id === 'string' && id.includes('/')
      ? id.split('/')
      : [undefined, typeof id === 'string' ? id : ''];
  return { ref: { owner, slug: slug ?? '' }, codeFile: codePath, request };
}

/** `--accelerator` overrides the metadata's machine shape, as in the official CLI. */
export function applyAccelerator(
  request: SaveKernelRequest,
  name: string | undefined,
): SaveKernelRequest {
  if (name === undefined) return request;
  const accelerator = parseAccelerator(name);
  if (accelerator === undefined) return { ...request, machineShape: name };
  const shape = accelerators[accelerator].machineShape;
  return {
    ...request,
    enableGpu: accelerators[accelerator].gpu,
    enableTpu: accelerators[accelerator].tpu,
    ...(shape === undefined ? {} : { machineShape: shape }),
  };
}

export function refOf(folder: KernelFolder, username: string): KernelRef {
  return { owner: folder.ref.owner ?? username, slug: folder.ref.slug };
}
