// Where the bytes behind a signed URL are: a file inside a scope's folder (a kernel version's
// working/, a dataset version, a seeded competition or model version), or the whole folder as
// one zip. Zips are built once per content (names, sizes and times of the files) into
// <data>/archives/ and served from there, so a resumed download reads the same bytes.

import { createHash } from 'node:crypto';
import { lstat, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeDeterministicZip } from '../pack/deterministic-zip.js';
import { listRegularFiles } from '../platform/local/list-files.js';
import { resolveInside } from '../util/safe-path.js';
import type { DatasetStore } from './dataset-store.js';
import { HttpError } from './http-util.js';
import type { KernelStore } from './kernel-store.js';
import type { SeededSources } from './seeded-sources.js';
import type { FileAddress, FileScope } from './signed-url.js';

export interface ScopeSources {
  store: KernelStore;
  datasetStore: DatasetStore;
  seeded: SeededSources;
}

function describe(scope: FileScope): string {
  switch (scope.kind) {
    case 'kernel':
      return `kernel ${scope.owner}/${scope.slug} version ${scope.version}`;
    case 'dataset':
      return `dataset ${scope.owner}/${scope.slug} version ${scope.version}`;
    case 'competition':
      return `competition ${scope.slug}`;
    case 'model':
      return `model ${scope.owner}/${scope.model}/${scope.framework}/${scope.variation} version ${scope.version}`;
  }
}

/** The folder holding a scope's files, or undefined when it no longer exists. */
export async function scopeFolder(
  sources: ScopeSources,
  scope: FileScope,
): Promise<string | undefined> {
  switch (scope.kind) {
    case 'kernel': {
      const kernel = sources.store.get(scope.owner, scope.slug);
      if (kernel === undefined || !kernel.versions.some((v) => v.number === scope.version)) {
        return undefined;
      }
      return sources.store.workingDir(kernel, scope.version);
    }
    case 'dataset': {
      const record = sources.datasetStore.get(scope.owner, scope.slug);
      if (record === undefined || !record.versions.some((v) => v.number === scope.version)) {
        return undefined;
      }
      return sources.datasetStore.versionDir(record, scope.version);
    }
    case 'competition':
      return sources.seeded.competition(scope.slug);
    case 'model': {
      const { owner, model, framework, variation, version } = scope;
      const found = await sources.seeded.model({ owner, model, framework, variation, version });
      return found?.folder;
    }
  }
}

/** Builds of the same archive share one promise, so parallel downloads zip it once. */
const building = new Map<string, Promise<string>>();

async function archiveOf(dataDir: string, scope: FileScope, folder: string): Promise<string> {
  const files = await listRegularFiles(folder).catch(() => []);
  const entries = await Promise.all(
    files.map(async (f) => {
      const info = await stat(f.absolute);
      return { path: f.path, source: f.absolute, size: info.size, mtimeMs: info.mtimeMs };
    }),
  );
  const key = createHash('sha256').update(JSON.stringify(scope)).digest('hex').slice(0, 32);
  const content = createHash('sha256')
    .update(JSON.stringify(entries.map((e) => [e.path, e.size, e.mtimeMs])))
    .digest('hex')
    .slice(0, 16);
  const dir = join(dataDir, 'archives');
  const target = join(dir, `${key}-${content}.zip`);
  if ((await lstat(target).catch(() => undefined))?.isFile() === true) return target;
  let pending = building.get(target);
  if (pending === undefined) {
    pending = (async () => {
      await writeDeterministicZip(
        entries.map((e) => ({
          path: e.path,
          source: e.source,
          size: e.size,
          executable: false,
          stamp: '',
        })),
        target,
      );
      // Older builds of the same scope (its files changed since) are not needed any more.
      for (const name of await readdir(dir).catch(() => [])) {
        if (name.startsWith(`${key}-`) && name !== `${key}-${content}.zip`) {
          await rm(join(dir, name), { force: true });
        }
      }
      return target;
    })().finally(() => building.delete(target));
    building.set(target, pending);
  }
  return pending;
}

/** The file on disk a verified address names; a 404 when it is gone. */
export async function resolveAddress(
  sources: ScopeSources,
  dataDir: string,
  address: FileAddress,
): Promise<string> {
  const folder = await scopeFolder(sources, address.scope);
  if (folder === undefined) {
    throw new HttpError(404, `The ${describe(address.scope)} no longer exists.`);
  }
  if (address.archive === true) return archiveOf(dataDir, address.scope, folder);
  let absolute: string;
  try {
    absolute = resolveInside(folder, address.path);
  } catch {
    throw new HttpError(400, 'File path escapes the folder it belongs to.');
  }
  const info = await lstat(absolute).catch(() => undefined);
  if (info === undefined || !info.isFile()) {
    throw new HttpError(404, `The ${describe(address.scope)} has no file ${address.path}.`);
  }
  return absolute;
}
