// How the code reaches a Kaggle kernel: inline in its source when it fits (or must), as a
// content-addressed private dataset, or as a git commit the kernel checks out.

import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import type { RunEvent } from '../run/events.js';
import { ensureDataset } from './ensure-dataset.js';
import type { EnsureDatasetOptions, ShippedDataset } from './ensure-dataset.js';
import { shipGitCode } from './git-code.js';
import type { DatasetAccess, ShipRunContext } from './ship-context.js';
import { INLINE_SOURCE_LIMIT, derivedSlug, shippedEvent } from './ship-context.js';

interface ShippedCode {
  mode: 'inline' | 'dataset' | 'git';
  source: string;
  bytesUploaded: number;
  dataset: ShippedDataset | undefined;
  commit: string | null;
}

export async function* shipCode(
  ctx: ShipRunContext,
  connect: () => Promise<DatasetAccess>,
  envFile: { path: string } | undefined,
  options: EnsureDatasetOptions,
): AsyncGenerator<RunEvent, ShippedCode> {
  const { job, pack } = ctx;
  if (job.code === 'git') {
    if (!job.internet) {
      throw new UsageError('code: git makes the kernel clone the repository, and internet is off', {
        hint: 'set internet: true, or ship the code inline or as a dataset (code: dataset)',
      });
    }
    const git = await shipGitCode(job, ctx.runId, {
      env: ctx.env,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    for (const message of git.warnings) yield { type: 'warning', message };
    yield { type: 'shipped-git', url: git.url, commit: git.commit, snapshot: git.snapshot };
    const source = ctx.render(
      {
        mode: 'git',
        url: git.url,
        commit: git.commit,
        ref: git.ref,
        subdir: git.subdir,
        tokenSecret: job.git.tokenSecret ?? null,
      },
      envFile,
    );
    return { mode: 'git', source, bytesUploaded: 0, dataset: undefined, commit: git.commit };
  }
  if (job.code !== 'dataset') {
    const source = ctx.render({ mode: 'inline' }, envFile, await readFile(pack.zipPath));
    const bytes = Buffer.byteLength(source);
    if (bytes <= INLINE_SOURCE_LIMIT) {
      return { mode: 'inline', source, bytesUploaded: 0, dataset: undefined, commit: null };
    }
    if (job.code === 'inline') {
      throw new UsageError(
        `the packed code makes a kernel source of ${(bytes / 1048576).toFixed(1)} MiB, over Kaggle's ~1 MiB limit for inline code`,
        {
          hint: 'ship it as a dataset (code: dataset, or code: auto), or leave large files out with `exclude` / .kaggleignore',
        },
      );
    }
  }
  // Named by its hash: a kernel that somehow got an older version fails to find the file
  // instead of running old code, and an unchanged zip is recognised without any cache.
  const access = await connect();
  const slug = derivedSlug(job, 'code');
  const name = `code-${pack.codeHash.slice(0, 16)}.zip`;
  const shipped = await ensureDataset(
    access.datasets,
    {
      owner: access.owner,
      slug,
      title: slug,
      files: [{ name, localPath: pack.zipPath, size: pack.zipBytes }],
      notes: `kaggle-run code sha256:${pack.codeHash}`,
      // Kaggle unpacks an uploaded zip into a folder of its name: that folder counts too.
      unchanged: (latest) =>
        latest.files.some(
          (f) =>
            (f.name === name && f.totalBytes === pack.zipBytes) ||
            f.name.startsWith(`${name.slice(0, -'.zip'.length)}/`),
        ),
    },
    options,
  );
  yield shippedEvent('code', shipped);
  const source = ctx.render({ mode: 'file', path: `${slug}/${name}` }, envFile);
  return {
    mode: 'dataset',
    source,
    bytesUploaded: shipped.bytesUploaded,
    dataset: shipped,
    commit: null,
  };
}
