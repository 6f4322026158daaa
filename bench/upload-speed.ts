// Upload speed: a 105 MB zip-like (incompressible) file uploaded to `kaggle-run server`
// through the real client (StartBlobUpload, then the resumable PUT the server stores),
// against a raw loopback PUT of the same file into a bare node:http server that writes the
// body to the same disk. Both run in this process, taking turns, so load falls on both alike.
// Prints medians and the ratio of speeds; asserts nothing.
//   node dist/bench/upload-speed.js

import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { connectKaggle } from '../src/kaggle/client.js';
import { startBenchServer } from './bench-server.js';
import { alternate, loadLine, median } from './stats.js';

const MB = 1000 * 1000;
const SIZE = 105 * MB;
const ROUNDS = 9;
const TARGET = 0.95;

/** Random bytes, as a zip of code and data mostly is: nothing for a transport to squeeze. */
async function writeRandomFile(path: string, size: number): Promise<void> {
  const file = await open(path, 'w');
  try {
    for (let at = 0; at < size; at += MB) await file.write(randomBytes(Math.min(MB, size - at)));
  } finally {
    await file.close();
  }
}

/**
 * A bare node:http server that writes each PUT body to a new file in `sinkDir`: the loopback
 * baseline. The files stay, as the server keeps each uploaded blob: a baseline that deleted
 * its file at once never had its written data flushed to disk, nor was it held back for it.
 */
async function startRawSink(sinkDir: string) {
  let count = 0;
  const server = createServer((req, res) => {
    pipeline(req, createWriteStream(join(sinkDir, `put-${count++}.bin`))).then(
      () => res.end('ok'),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function rawPut(port: number, path: string, size: number): Promise<void> {
  const req = request({
    host: '127.0.0.1',
    port,
    method: 'PUT',
    path: '/upload',
    headers: { 'Content-Length': size, 'Content-Type': 'application/octet-stream' },
  });
  const response = new Promise<void>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`raw PUT: ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
  });
  await pipeline(createReadStream(path), req);
  await response;
}

const bench = await startBenchServer({ sandbox: 'none' });
const sinkDir = join(bench.root, 'raw-sink');
await mkdir(sinkDir);
const sink = await startRawSink(sinkDir);
try {
  const zipPath = join(bench.root, 'code.zip');
  await writeRandomFile(zipPath, SIZE);
  const client = await connectKaggle({ endpoint: bench.server.url, env: bench.env });
  const before = bench.server.stats().bytesUploaded;
  const samples = await alternate(ROUNDS, {
    client: () => client.datasets.uploadFile(zipPath, { name: 'code.zip' }),
    raw: () => rawPut(sink.port, zipPath, SIZE),
  });
  const received = (bench.server.stats().bytesUploaded - before) / ROUNDS;
  const ours = median(samples.client!);
  const raw = median(samples.raw!);
  const rate = (ms: number) => (SIZE / MB / (ms / 1000)).toFixed(0);
  const ratio = raw / ours;
  console.log(
    `upload of a ${SIZE / MB} MB zip (median of ${ROUNDS}, alternated): client ${rate(ours)} MB/s ` +
      `(${(ours / 1000).toFixed(2)} s, server received ${(received / MB).toFixed(1)} MB per upload) | ` +
      `raw loopback PUT ${rate(raw)} MB/s (${(raw / 1000).toFixed(2)} s)`,
  );
  const list = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(' ');
  console.log(`  samples (s): client ${list(samples.client!)} | raw ${list(samples.raw!)}`);
  console.log(
    `  client/raw speed ${ratio.toFixed(2)} (target >= ${TARGET}: ${ratio >= TARGET ? 'met' : 'MISSED'}); ${loadLine()}`,
  );
} finally {
  await sink.close();
  await bench.close();
}
