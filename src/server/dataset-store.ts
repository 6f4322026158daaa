// The server's datasets and the blob uploads that feed them, kept in the data folder:
//
//   <data>/datasets/<owner>/<slug>/dataset.json   metadata and every version's file list
//   <data>/datasets/<owner>/<slug>/<N>/<file>     version N's files, as uploaded (a zip stays a zip)
//   <data>/uploads/<upload id>.part               a blob's bytes while (and after) it arrives
//
// Blob upload sessions live in memory only: after a restart their URLs answer 404, which a
// client reads as "expired" and starts over, as with a GCS session that timed out.

import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../util/atomic-write.js';
import type { DatasetRegistry } from './sources.js';

export interface DatasetFileRecord {
  name: string;
  size: number;
}

export interface DatasetVersionRecord {
  number: number;
  createdAt: string;
  createdAtMs: number;
  versionNotes: string;
  files: DatasetFileRecord[];
}

export interface DatasetRecord {
  owner: string;
  slug: string;
  title: string;
  licenseName: string;
  isPrivate: boolean;
  subtitle: string;
  description: string;
  createdAt: string;
  versions: DatasetVersionRecord[];
}

export interface BlobUpload {
  /** The secret in the upload URL. */
  uploadId: string;
  /** What CreateDataset names in files[].token. */
  token: string;
  owner: string;
  name: string;
  contentLength: number;
  /** Bytes stored so far, from byte 0. */
  received: number;
  expiresAtMs: number;
  partPath: string;
  /** Serializes PUTs on one upload: a retry waits for the dropped request to wind down. */
  lock: Promise<void>;
}

/** How long an upload URL stays valid; GCS keeps resumable sessions a week. */
export const UPLOAD_TTL_MS = 7 * 24 * 3600 * 1000;

export class DatasetStore implements DatasetRegistry {
  private readonly datasets = new Map<string, DatasetRecord>();
  private readonly uploads = new Map<string, BlobUpload>();
  private readonly byToken = new Map<string, BlobUpload>();
  /** Test hook: the next `drops` upload PUTs are cut after `bytes` body bytes each. */
  dropUploads: { bytes: number; drops: number } | undefined;

  private constructor(
    readonly dataDir: string,
    /** Time from a version's creation to READY. */
    readonly readyDelayMs: number,
  ) {}

  static async open(dataDir: string, readyDelayMs: number): Promise<DatasetStore> {
    const store = new DatasetStore(dataDir, readyDelayMs);
    await rm(join(dataDir, 'uploads'), { recursive: true, force: true });
    await mkdir(join(dataDir, 'uploads'), { recursive: true });
    const root = join(dataDir, 'datasets');
    for (const owner of await readdir(root).catch(() => [])) {
      for (const slug of await readdir(join(root, owner)).catch(() => [])) {
        try {
          const text = await readFile(join(root, owner, slug, 'dataset.json'), 'utf8');
          const record = JSON.parse(text) as DatasetRecord;
          store.datasets.set(`${record.owner}/${record.slug}`, record);
        } catch {
          // An unreadable record is skipped, as the kernel store does.
        }
      }
    }
    return store;
  }

  private folder(owner: string, slug: string): string {
    return join(this.dataDir, 'datasets', owner, slug);
  }

  versionDir(record: DatasetRecord, version: number): string {
    return join(this.folder(record.owner, record.slug), String(version));
  }

  get(owner: string, slug: string): DatasetRecord | undefined {
    return this.datasets.get(`${owner}/${slug}`);
  }

  /** The dataset when `user` may read it (its owner, or anyone when public). */
  readable(owner: string, slug: string, user: string | undefined): DatasetRecord | undefined {
    const record = this.get(owner, slug);
    if (record === undefined || (record.isPrivate && record.owner !== user)) return undefined;
    return record;
  }

  lookup(
    owner: string,
    slug: string,
    version: number | undefined,
    user?: string,
  ): string | undefined {
    const record = this.readable(owner, slug, user);
    if (record === undefined) return undefined;
    const found =
      version === undefined
        ? record.versions.at(-1)
        : record.versions.find((v) => v.number === version);
    return found === undefined ? undefined : this.versionDir(record, found.number);
  }

  /** READY once the latest version is `readyDelayMs` old; before that the blobs are "received". */
  status(record: DatasetRecord, nowMs: number): string {
    const latest = record.versions.at(-1);
    if (latest === undefined) return 'NOT_YET_PERSISTED';
    return nowMs - latest.createdAtMs >= this.readyDelayMs ? 'READY' : 'BLOBS_RECEIVED';
  }

  async startUpload(
    owner: string,
    name: string,
    contentLength: number,
    nowMs: number,
  ): Promise<BlobUpload> {
    const uploadId = randomBytes(24).toString('base64url');
    const upload: BlobUpload = {
      uploadId,
      token: `blob-${randomBytes(16).toString('hex')}`,
      owner,
      name,
      contentLength,
      received: 0,
      expiresAtMs: nowMs + UPLOAD_TTL_MS,
      partPath: join(this.dataDir, 'uploads', `${uploadId}.part`),
      lock: Promise.resolve(),
    };
    await (await open(upload.partPath, 'w')).close();
    this.uploads.set(uploadId, upload);
    this.byToken.set(upload.token, upload);
    return upload;
  }

  /** The live upload behind a URL; an expired one is forgotten and its bytes removed. */
  upload(uploadId: string, nowMs: number): BlobUpload | undefined {
    const upload = this.uploads.get(uploadId);
    if (upload === undefined) return undefined;
    if (upload.expiresAtMs <= nowMs) {
      this.forget(upload);
      return undefined;
    }
    return upload;
  }

  uploadByToken(token: string): BlobUpload | undefined {
    return this.byToken.get(token);
  }

  /** Test hook: every upload URL handed out so far answers 404 from now on. */
  expireUploads(): void {
    for (const upload of this.uploads.values()) upload.expiresAtMs = 0;
  }

  private forget(upload: BlobUpload): void {
    this.uploads.delete(upload.uploadId);
    this.byToken.delete(upload.token);
    void rm(upload.partPath, { force: true });
  }

  /**
   * Creates the dataset (when `create` is given) or a new version of it, moving the complete
   * blobs into the version's folder. The caller has validated names and ownership.
   */
  async addVersion(
    ref: { owner: string; slug: string },
    create: Omit<DatasetRecord, 'owner' | 'slug' | 'versions' | 'createdAt'> | undefined,
    blobs: BlobUpload[],
    versionNotes: string,
    nowMs: number,
  ): Promise<DatasetRecord> {
    const now = new Date(nowMs).toISOString();
    const record: DatasetRecord = this.get(ref.owner, ref.slug) ?? {
      owner: ref.owner,
      slug: ref.slug,
      title: create?.title ?? ref.slug,
      licenseName: create?.licenseName ?? 'unknown',
      isPrivate: create?.isPrivate ?? true,
      subtitle: create?.subtitle ?? '',
      description: create?.description ?? '',
      createdAt: now,
      versions: [],
    };
    const number = (record.versions.at(-1)?.number ?? 0) + 1;
    const dir = this.versionDir(record, number);
    await mkdir(dir, { recursive: true });
    for (const blob of blobs) {
      await rename(blob.partPath, join(dir, blob.name));
      this.uploads.delete(blob.uploadId);
      this.byToken.delete(blob.token);
    }
    record.versions.push({
      number,
      createdAt: now,
      createdAtMs: nowMs,
      versionNotes,
      files: blobs.map((b) => ({ name: b.name, size: b.contentLength })),
    });
    this.datasets.set(`${record.owner}/${record.slug}`, record);
    await writeJsonAtomic(join(this.folder(record.owner, record.slug), 'dataset.json'), record);
    return record;
  }
}
