// A full disk while the outputs come home: the run ends with its own message and hint
// (exit 3), the output that did not fit leaves nothing behind (no file under its name, no
// .partial), and the record says what happened. The disk is a 1 MiB tmpfs mounted in a
// user and mount namespace of the CLI's own (unshare -Urm), so no root is needed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../src/util/package-root.js';
import { tempDir } from '../helpers/temp.js';

function namespacesWork(): boolean {
  try {
    execFileSync('unshare', ['-Urm', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Runs inside the namespace: mount, copy the project in, run, then list what is on the disk
// (the tmpfs goes with the namespace, so it is looked at from inside).
const inner = `
set -u
mount -t tmpfs -o size=1m tmpfs "$1" || exit 90
cp -r "$2/." "$1/"
# FILL=1: nothing is left for the run store either (dd stops when the disk is full).
if [ "\${FILL:-}" = 1 ]; then dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null; fi
node "$3" run "$1" --json > "$4/stdout" 2> "$4/stderr"
echo "exit $?"
find "$1" -type f -printf '%P %s\\n'
for f in "$1"/.kaggle-run/runs/*/run.json; do [ -f "$f" ] && cp "$f" "$4/run.json"; done
exit 0
`;

function runOnFullDisk(dir: string, disk: string, source: string, fill: boolean): Promise<string> {
  const bin = join(packageRoot(), 'bin', 'kaggle-run.js');
  return new Promise<string>((resolve, reject) => {
    execFile(
      'unshare',
      ['-Urm', 'sh', join(dir, 'inner.sh'), disk, source, bin, dir],
      {
        env: {
          ...process.env,
          CI: 'true',
          NO_COLOR: '1',
          KAGGLE_RUN_NO_SANDBOX: '1',
          FILL: fill ? '1' : '',
        },
        timeout: 120_000,
      },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

const skip = namespacesWork() ? false : 'unshare -Urm is not allowed here';

void test(
  'a disk that fills up while fetching outputs: its own message, nothing half-written',
  { skip },
  async (t) => {
    const dir = await tempDir(t);
    const source = join(dir, 'source');
    const disk = join(dir, 'disk');
    await mkdir(source);
    await mkdir(disk);
    await writeFile(
      join(source, 'main.py'),
      'import os\nwith open("big.bin", "wb") as f:\n    f.write(os.urandom(3 * 1024 * 1024))\nprint("wrote")\n',
    );
    await writeFile(join(source, 'kaggle-run.yaml'), 'name: full\nentry: main.py\n');
    await writeFile(join(dir, 'inner.sh'), inner);
    const listing = await runOnFullDisk(dir, disk, source, false);
    const stdout = await readFile(join(dir, 'stdout'), 'utf8');
    const stderr = await readFile(join(dir, 'stderr'), 'utf8');
    assert.match(listing, /^exit 3$/m, stderr);
    const answer = JSON.parse(stdout) as {
      error: { message: string; hint: string; exitCode: number };
    };
    assert.match(
      answer.error.message,
      /^no space left on this machine while writing .*outputs\/big\.bin \(ENOSPC\)$/,
    );
    assert.match(answer.error.hint, /free some disk space/);
    assert.doesNotMatch(stdout + stderr, /bug in kaggle-run|cannot reach/);
    // The program's 3 MiB output is not there under any name; the log that fitted is (tried
    // again when the big one's copy filled the disk while it was being written).
    assert.doesNotMatch(listing, /big\.bin|\.partial/);
    assert.match(listing, /outputs\/kaggle-run\.log \d+/);
    const record = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as {
      status: string;
      error: { message: string } | null;
      outputs: { path: string }[];
    };
    assert.equal(record.status, 'error');
    assert.match(record.error?.message ?? '', /no space left/);
    assert.ok(!record.outputs.some((o) => o.path === 'big.bin'));
  },
);

void test(
  'a run store on a disk already full: its own message, no half-written record',
  { skip },
  async (t) => {
    const dir = await tempDir(t);
    const source = join(dir, 'source');
    const disk = join(dir, 'disk');
    await mkdir(source);
    await mkdir(disk);
    await writeFile(join(source, 'main.py'), 'print("never")\n');
    await writeFile(join(source, 'kaggle-run.yaml'), 'name: full\nentry: main.py\n');
    await writeFile(join(dir, 'inner.sh'), inner);
    const listing = await runOnFullDisk(dir, disk, source, true);
    const stdout = await readFile(join(dir, 'stdout'), 'utf8');
    const stderr = await readFile(join(dir, 'stderr'), 'utf8');
    assert.match(listing, /^exit 3$/m, stderr);
    const answer = JSON.parse(stdout) as { error: { message: string; hint: string } };
    assert.match(
      answer.error.message,
      /^no space left on this machine while writing .*\(ENOSPC\)$/,
    );
    assert.match(answer.error.hint, /free some disk space/);
    assert.doesNotMatch(stdout + stderr, /bug in kaggle-run|cannot reach/);
    // A record that got written at all is whole JSON, never a cut-off file under its name.
    const record = await readFile(join(dir, 'run.json'), 'utf8').catch(() => undefined);
    if (record !== undefined) JSON.parse(record);
    assert.doesNotMatch(listing, /never/);
  },
);
