// The server's datasets and the blob uploads that feed them, kept in the data folder:
//
//   <data>/datasets/<owner>/<slug>/dataset.json   metadata and every version's file list
//   <data>/datasets/<owner>/<slug>/<N>/<path>     version N's files at their folder path
//                                                 (CreateDataset `directories`); a zip or tar
//                                                 archive unpacked into <name>/ (dataset-archives.ts)
//   <data>/uploads/<upload id>.part               a blob's bytes while (and after) it arrives
//
// Blob upload sessions live in memory only: after a restart their URLs answer 404, which a
// client reads as "expired" and starts over, as with a GCS session that timed out.

import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { archiveStem, unpackArchive } from './dataset-archives.js';
import type { DatasetRegistry } from './sources.js';

export interface DatasetColumnRecord {
  name: string;
  type: string;
  description: string;
}

export interface DatasetFileRecord {
  /** Path inside the version, `/`-separated: `data.csv` or `sub/dir/file.csv`. */
  name: string;
  size: number;
  /** As given at upload (files[].description / columns) or by UpdateDatasetMetadata. */
  description?: string | undefined;
  columns?: DatasetColumnRecord[] | undefined;
}

export interface DatasetVersionRecord {
  number: number;
  createdAt: string;
  createdAtMs: number;
  versionNotes: string;
  files: DatasetFileRecord[];
  /** Its archives are still being unpacked (after CreateDataset answered, as on Kaggle). */
  processing?: true | undefined;
  /** Why processing failed (a bad archive): the version is FAILED and holds no files. */
  failure?: string | undefined;
}

export interface DatasetRecord {
  /** The numeric id (CreateDatasetVersionById, GetDatasetMetadata's datasetId). */
  id: number;
  owner: string;
  slug: string;
  title: string;
  licenseName: string;
  isPrivate: boolean;
  subtitle: string;
  description: string;
  /** Tags (UpdateDatasetMetadata `keywords`, CreateDataset `categoryIds`). */
  keywords?: string[] | undefined;
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

/** A complete blob and where it goes in the version (`sub/dir/name`, checked by the caller). */
export interface PlacedBlob {
  blob: BlobUpload;
  path: string;
  description?: string | undefined;
  columns?: DatasetColumnRecord[] | undefined;
}

/** How long an upload URL stays valid; GCS keeps resumable sessions a week. */
export const UPLOAD_TTL_MS = 7 * 24 * 3600 * 1000;

export class DatasetStore implements DatasetRegistry {
  private readonly datasets = new Map<string, DatasetRecord>();
  private readonly uploads = new Map<string, BlobUpload>();
  private readonly byToken = new Map<string, BlobUpload>();
  /** Test hook: the next `drops` upload PUTs are cut after `bytes` body bytes each. */
  dropUploads: { bytes: number; drops: number } | undefined;
  /** Test hook: archives wait for this before they are unpacked. */
  holdUnpacking: Promise<void> | undefined;

  private constructor(
    readonly dataDir: string,
    /** Time from a version's creation to READY. */
    readonly readyDelayMs: number,
    private readonly now: () => number,
  ) {}

  static async open(
    dataDir: string,
    readyDelayMs: number,
    now: () => number = Date.now,
  ): Promise<DatasetStore> {
    const store = new DatasetStore(dataDir, readyDelayMs, now);
    await rm(join(dataDir, 'uploads'), { recursive: true, force: true });
    await mkdir(join(dataDir, 'uploads'), { recursive: true });
    const root = join(dataDir, 'datasets');
    const unnumbered: DatasetRecord[] = [];
    for (const owner of await readdir(root).catch(() => [])) {
      for (const slug of await readdir(join(root, owner)).catch(() => [])) {
        try {
          const text = await readFile(join(root, owner, slug, 'dataset.json'), 'utf8');
          const record = JSON.parse(text) as Omit<DatasetRecord, 'id'> & { id?: number };
          const loaded = { ...record, id: record.id ?? 0 };
          for (const version of loaded.versions) {
            if (version.processing !== true) continue;
            delete version.processing;
            version.failure = INTERRUPTED;
            version.files = [];
            await store.save(loaded);
          }
          store.datasets.set(`${record.owner}/${record.slug}`, loaded);
          if (loaded.id > 0) store.nextId = Math.max(store.nextId, loaded.id + 1);
          else unnumbered.push(loaded);
        } catch {
          // An unreadable record is skipped, as the kernel store does.
        }
      }
    }
    // Records written before datasets had ids get one now, in a stable order.
    unnumbered.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    for (const record of unnumbered) {
      record.id = store.nextId++;
      await store.save(record);
    }
    return store;
  }

  private nextId = 1;

  private save(record: DatasetRecord): Promise<void> {
    return writeJsonAtomic(join(this.folder(record.owner, record.slug), 'dataset.json'), record);
  }

  all(): DatasetRecord[] {
    return [...this.datasets.values()];
  }

  byId(id: number): DatasetRecord | undefined {
    return this.all().find((r) => r.id === id);
  }

  /** Changes the metadata of a dataset (UpdateDatasetMetadata) and writes it through. */
  async update(record: DatasetRecord, change: (record: DatasetRecord) => void): Promise<void> {
    change(record);
    await this.save(record);
  }

  /** Forgets a dataset and removes its files (DeleteDataset). */
  async remove(record: DatasetRecord): Promise<void> {
    if (this.get(record.owner, record.slug) !== record) return;
    this.datasets.delete(`${record.owner}/${record.slug}`);
    await rm(this.folder(record.owner, record.slug), { recursive: true, force: true });
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

  /**
   * The folder a kernel attaching `owner/slug[/version]` gets. As on Kaggle, a kernel only
   * ever sees processed (READY) versions: without a version it gets the newest READY one, so
   * a push made while a new version is still processing attaches the previous version (stale
   * data, which is why a client waits for READY before pushing). A named version that is not
   * READY yet is refused like an unknown one (reported in invalidDatasetSources): Kaggle does
   * not queue a kernel until a version is processed, and a client that names a version has
   * waited for it. No READY version at all: refused too.
   */
  lookup(
    owner: string,
    slug: string,
    version: number | undefined,
    user?: string,
  ): string | undefined {
    const record = this.readable(owner, slug, user);
    if (record === undefined) return undefined;
    const nowMs = this.now();
    const found =
      version === undefined
        ? record.versions.findLast((v) => this.isReady(v, nowMs))
        : record.versions.find((v) => v.number === version && this.isReady(v, nowMs));
    return found === undefined ? undefined : this.versionDir(record, found.number);
  }

  /**
   * A version is READY once its archives are unpacked and `readyDelayMs` after its creation;
   * before that it is "processing"; a failed one never is.
   */
  isReady(version: DatasetVersionRecord, nowMs: number): boolean {
    return (
      version.processing !== true &&
      version.failure === undefined &&
      nowMs - version.createdAtMs >= this.readyDelayMs
    );
  }

  /** The latest version's status: READY, FAILED, else BLOBS_RECEIVED while it is processed. */
  status(record: DatasetRecord, nowMs: number): string {
    const latest = record.versions.at(-1);
    if (latest === undefined) return 'NOT_YET_PERSISTED';
    if (latest.failure !== undefined) return 'FAILED';
    return this.isReady(latest, nowMs) ? 'READY' : 'BLOBS_RECEIVED';
  }

  /** Resolves once every version being processed now is done (the server closes). */
  async idle(): Promise<void> {
    while (this.unpacking.size > 0) await Promise.all(this.unpacking);
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
   * blobs into the version's folder. The caller has validated names and ownership. Archives
   * are unpacked after this returns, as Kaggle processes a version after answering: a big
   * archive would otherwise outlast the client's deadline for the call, and its retry would
   * find the blobs taken. The version is BLOBS_RECEIVED meanwhile, then READY or FAILED.
   */
  async addVersion(
    ref: { owner: string; slug: string },
    create: Omit<DatasetRecord, 'id' | 'owner' | 'slug' | 'versions' | 'createdAt'> | undefined,
    files: PlacedBlob[],
    versionNotes: string,
    nowMs: number,
    options: { deleteOldVersions?: boolean | undefined } = {},
  ): Promise<DatasetRecord> {
    const now = new Date(nowMs).toISOString();
    const record: DatasetRecord = this.get(ref.owner, ref.slug) ?? {
      id: this.nextId++,
      owner: ref.owner,
      slug: ref.slug,
      title: create?.title ?? ref.slug,
      licenseName: create?.licenseName ?? 'unknown',
      isPrivate: create?.isPrivate ?? true,
      subtitle: create?.subtitle ?? '',
      description: create?.description ?? '',
      keywords: create?.keywords ?? [],
      createdAt: now,
      versions: [],
    };
    const number = (record.versions.at(-1)?.number ?? 0) + 1;
    const dir = this.versionDir(record, number);
    await mkdir(dir, { recursive: true });
    const stored: DatasetFileRecord[] = [];
    const archives: { target: string; path: string; folder: string }[] = [];
    for (const f of files) {
      const { blob, path } = f;
      const target = join(dir, ...path.split('/'));
      await mkdir(dirname(target), { recursive: true });
      await rename(blob.partPath, target);
      this.uploads.delete(blob.uploadId);
      this.byToken.delete(blob.token);
      const stem = archiveStem(posix.basename(path));
      if (stem === undefined) {
        stored.push({
          name: path,
          size: blob.contentLength,
          ...(f.description ? { description: f.description } : {}),
          ...(f.columns && f.columns.length > 0 ? { columns: f.columns } : {}),
        });
      } else {
        // As Kaggle: the archive's files take its place, in a folder named after it.
        archives.push({ target, path, folder: posix.join(posix.dirname(path), stem) });
      }
    }
    const version: DatasetVersionRecord = {
      number,
      createdAt: now,
      createdAtMs: nowMs,
      versionNotes,
      files: stored,
      ...(archives.length > 0 ? { processing: true as const } : {}),
    };
    record.versions = [...record.versions, version];
    this.datasets.set(`${record.owner}/${record.slug}`, record);
    await this.save(record);
    const done = this.unpackVersion(record, version, archives).then(async () => {
      // The old versions go once the new one is READY (a failed one leaves them). Numbers
      // go on from the newest: version N+1 stays N+1 after the old ones are gone.
      if (options.deleteOldVersions !== true || version.failure !== undefined) return;
      const old = record.versions.filter((v) => v !== version);
      record.versions = [version];
      if (this.get(record.owner, record.slug) === record) await this.save(record);
      for (const gone of old) {
        await rm(this.versionDir(record, gone.number), { recursive: true, force: true });
      }
    });
    if (archives.length === 0) {
      await done;
    } else {
      const tracked = done.catch(() => undefined).finally(() => this.unpacking.delete(tracked));
      this.unpacking.add(tracked);
    }
    return record;
  }

  private readonly unpacking = new Set<Promise<void>>();

  /** Unpacks a version's archives; READY after, or FAILED (its folder gone) on a bad one. */
  private async unpackVersion(
    record: DatasetRecord,
    version: DatasetVersionRecord,
    archives: { target: string; path: string; folder: string }[],
  ): Promise<void> {
    if (archives.length === 0) return;
    const dir = this.versionDir(record, version.number);
    const files = [...version.files];
    await this.holdUnpacking;
    try {
      for (const { target, path, folder } of archives) {
        const unpacked = await unpackArchive(
          target,
          posix.basename(path),
          join(dir, ...folder.split('/')),
        );
        for (const u of unpacked) files.push({ name: posix.join(folder, u.path), size: u.size });
      }
      version.files = files; // listed whole once READY, never in part
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      version.failure = error instanceof Error ? error.message : String(error);
      version.files = [];
    }
    delete version.processing;
    // Deleted meanwhile (DeleteDataset): nothing to write back.
    if (this.get(record.owner, record.slug) === record) await this.save(record);
  }
}

/** The failure of a version a server was unpacking when it stopped. */
const INTERRUPTED =
  'The server stopped while it was unpacking this version; upload the files again.';
