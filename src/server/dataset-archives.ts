// Kaggle unpacks the zip and tar archives uploaded to a dataset (a version's blobs pass the
// BLOBS_DECOMPRESSED state): kernels and ListDatasetFiles see `data/...` where `data.zip` was
// uploaded (kaggle-cli pull request 111: folders are uploaded as archives "automatically
// uncompressed by the backend and provided to Kernels"). The server does the same when it
// stores a version. Regular files and folders are taken; links and devices are left out, and
// an entry that would land outside its folder refuses the whole version.

import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import yauzl from 'yauzl';
import { HttpError } from './http-util.js';

const SUFFIXES = ['.tar.gz', '.tgz', '.tar', '.zip'] as const;

/** The folder name an archive unpacks into (`data.tar.gz` -> `data`), or undefined. */
export function archiveStem(name: string): string | undefined {
  const lower = name.toLowerCase();
  const suffix = SUFFIXES.find((s) => lower.endsWith(s) && name.length > s.length);
  return suffix === undefined ? undefined : name.slice(0, name.length - suffix.length);
}

/** A member's safe relative POSIX path ('' for the root), or an error naming the entry. */
function memberPath(archive: string, raw: string): string {
  const parts: string[] = [];
  for (const part of raw.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' || part.includes('\0')) {
      throw new HttpError(
        400,
        `The archive ${archive} holds an entry outside its folder (${JSON.stringify(raw)}); nothing of it was stored.`,
      );
    }
    parts.push(part);
  }
  if (raw.startsWith('/')) {
    throw new HttpError(
      400,
      `The archive ${archive} holds an absolute path (${JSON.stringify(raw)}).`,
    );
  }
  return parts.join('/');
}

export interface UnpackedFile {
  /** Relative to the folder unpacked into. */
  path: string;
  size: number;
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: true }, (error, zip) =>
      error ? reject(error) : resolve(zip),
    ),
  );
}

async function unpackZip(archive: string, name: string, into: string): Promise<UnpackedFile[]> {
  const zip = await openZip(archive);
  const files: UnpackedFile[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      void (async () => {
        const rel = memberPath(name, entry.fileName);
        const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
        if (rel === '' || entry.fileName.endsWith('/') || (mode !== 0 && mode !== 0o100000)) {
          if (rel !== '' && entry.fileName.endsWith('/'))
            await mkdir(join(into, rel), { recursive: true });
          zip.readEntry();
          return;
        }
        const target = join(into, rel);
        await mkdir(dirname(target), { recursive: true });
        const stream = await new Promise<NodeJS.ReadableStream>((ok, fail) =>
          zip.openReadStream(entry, (error, s) => (error ? fail(error) : ok(s))),
        );
        await pipeline(stream, createWriteStream(target));
        files.push({ path: rel, size: entry.uncompressedSize });
        zip.readEntry();
      })().catch(reject);
    });
    zip.readEntry();
  });
  return files;
}

function octal(block: Buffer, start: number, length: number): number {
  const text = block
    .toString('latin1', start, start + length)
    .replace(/\0.*$/s, '')
    .trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function text(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? raw.length : end).toString('utf8');
}

/** The `path` of a pax extended header, if it sets one. */
function paxPath(data: Buffer): string | undefined {
  let at = 0;
  let path: string | undefined;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number(data.toString('latin1', at, space));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = data.toString('utf8', space + 1, at + length - 1);
    const eq = record.indexOf('=');
    if (record.slice(0, eq) === 'path') path = record.slice(eq + 1);
    at += length;
  }
  return path;
}

async function unpackTar(tarPath: string, name: string, into: string): Promise<UnpackedFile[]> {
  const handle = await open(tarPath, 'r');
  const files: UnpackedFile[] = [];
  try {
    const size = (await handle.stat()).size;
    const header = Buffer.alloc(512);
    let offset = 0;
    let longName: string | undefined;
    while (offset + 512 <= size) {
      await handle.read(header, 0, 512, offset);
      if (header.every((b) => b === 0)) break;
      const length = octal(header, 124, 12);
      const type = String.fromCharCode(header[156] ?? 0);
      const dataAt = offset + 512;
      offset = dataAt + Math.ceil(length / 512) * 512;
      if (type === 'L' || type === 'x') {
        const data = Buffer.alloc(length);
        await handle.read(data, 0, length, dataAt);
        longName = type === 'L' ? text(data, 0, length) : (paxPath(data) ?? longName);
        continue;
      }
      const prefix = text(header, 345, 155);
      const raw =
        longName ?? (prefix === '' ? text(header, 0, 100) : `${prefix}/${text(header, 0, 100)}`);
      longName = undefined;
      const rel = memberPath(name, raw);
      if (rel === '') continue;
      if (type === '5') {
        await mkdir(join(into, rel), { recursive: true });
        continue;
      }
      // Links, devices, FIFOs, global pax headers: not files a dataset holds.
      if (type !== '0' && type !== '\0' && type !== '7') continue;
      const target = join(into, rel);
      await mkdir(dirname(target), { recursive: true });
      await pipeline(
        createReadStream('', {
          fd: handle.fd,
          start: dataAt,
          end: dataAt + length - 1,
          autoClose: false,
        }),
        createWriteStream(target),
      ).catch(async (error: unknown) => {
        // An empty file has no bytes to stream.
        if (length !== 0) throw error;
        await open(target, 'w').then((h) => h.close());
      });
      files.push({ path: rel, size: length });
    }
  } finally {
    await handle.close();
  }
  return files;
}

/**
 * Unpacks `archive` (a file named `name`) into the folder `into` and removes the archive;
 * the files it held. A malformed or unsafe archive is an HttpError and leaves no folder.
 */
export async function unpackArchive(
  archive: string,
  name: string,
  into: string,
): Promise<UnpackedFile[]> {
  const lower = name.toLowerCase();
  await mkdir(into, { recursive: true });
  try {
    let files: UnpackedFile[];
    if (lower.endsWith('.zip')) files = await unpackZip(archive, name, into);
    else if (lower.endsWith('.tar')) files = await unpackTar(archive, name, into);
    else {
      const tar = `${archive}.tar`;
      try {
        await pipeline(createReadStream(archive), createGunzip(), createWriteStream(tar));
        files = await unpackTar(tar, name, into);
      } finally {
        await rm(tar, { force: true });
      }
    }
    await rm(archive, { force: true });
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  } catch (error) {
    await rm(into, { recursive: true, force: true });
    if (error instanceof HttpError) throw error;
    const size = (await stat(archive).catch(() => undefined))?.size ?? 0;
    throw new HttpError(
      400,
      `The archive ${name} (${size} bytes) cannot be unpacked: ${error instanceof Error ? error.message : String(error)}.`,
    );
  }
}
