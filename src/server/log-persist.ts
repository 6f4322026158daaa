// Writes a version's persisted log while its session runs, entry by entry in Kaggle's layout
// (log-format.ts), so the log is on disk as it grows: a server stopped mid-session leaves the
// lines so far (readers of a log without its closing `]` keep every whole element), and the
// end of a session costs one last short write instead of formatting the whole log at once.

import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LogEntry } from '../platform/local/log-lines.js';
import { entryJson } from './log-format.js';

/** Bytes gathered before a write: one write per entry would cost more than the entries. */
const BATCH_BYTES = 256 * 1024;
/** The longest an entry waits in a batch: a program quiet after a line still has it on disk. */
const BATCH_MS = 500;

export class PersistedLogWriter {
  private stream: WriteStream | undefined;
  private batch: string[] = [];
  private batchBytes = 0;
  private count = 0;
  private failure: Error | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly path: string) {}

  async open(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const stream = createWriteStream(this.path, { flags: 'w' });
    stream.on('error', (error) => (this.failure ??= error));
    this.stream = stream;
  }

  /** Adds an entry; resolves at once unless the disk fell behind (then once it caught up). */
  async add(entry: LogEntry): Promise<void> {
    const text = `${this.count === 0 ? '[' : '\n,'}${entryJson(entry)}`;
    this.count++;
    this.batch.push(text);
    this.batchBytes += text.length;
    if (this.batchBytes >= BATCH_BYTES) await this.write();
    else this.timer ??= setTimeout(() => void this.write(), BATCH_MS);
  }

  /** Writes what is gathered. */
  async write(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0 || this.stream === undefined) return;
    const text = this.batch.join('');
    this.batch = [];
    this.batchBytes = 0;
    if (!this.stream.write(text)) await waitDrain(this.stream);
  }

  /** Closes the array and the file; throws when a write failed (disk full). */
  async finish(): Promise<void> {
    this.batch.push(this.count === 0 ? '[]' : '\n]');
    await this.write();
    await this.close();
    if (this.failure !== undefined) throw this.failure;
  }

  /** Closes the file as it is (the session is left to a later server, which rewrites it). */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    const stream = this.stream;
    this.stream = undefined;
    if (stream === undefined || stream.destroyed) return;
    await new Promise<void>((resolve) => stream.end(() => resolve()));
  }
}

function waitDrain(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('error', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('error', done);
    stream.on('close', done);
  });
}
