// A run that outlives the process that started it (`kaggle-run server` sessions survive a
// restart). A small Python wrapper sits between us and the kernel: it owns the kernel's pipes,
// writes every line to <dir>/session/log.jsonl with its time, and writes exit.json
// (atomically) when the kernel ends. No pipe leads back to us, so our death (SIGKILL included)
// does not touch the run; a later process adopts it from the folder alone:
//
//   session/wrapper.json  {"pid": wrapper pid}, written by the wrapper before the kernel starts
//   session/log.jsonl     one LogEntry per line, in order
//   session/exit.json     {"code": exit code or null, "signal": number or null}
//
// The wrapper leads the run's process group (spawned detached); signals sent to the group
// reach the kernel, while the wrapper only notes them, so it still writes exit.json after a
// SIGTERM. A SIGKILL of the group leaves no exit.json: the run then counts as vanished.

import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_LINE_CHARS, type LogEntry } from './log-lines.js';

export const SESSION_DIR = 'session';

/** Signal handling and atomic writes, shared by this wrapper and the warm one (spare-wrapper.ts). */
export const WRAPPER_PRELUDE = `
def put(name, text):
    tmp = os.path.join(d, name + '.tmp')
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, os.path.join(d, name))
def note(signum, frame):
    pass
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, note)
`;

/** Writes log lines for \`emit\` (flushed by the follow loop, once per read); needs \`log\` and \`start\`. */
export const WRAPPER_EMIT = `def emit(name, text):
    if text:
        log.write(json.dumps({'stream_name': name, 'time': time.time() - start, 'data': text}) + '\\n')
`;

/**
 * Copies the kernel \`p\`'s output to the log until it ends, then writes exit.json. The whole
 * lines of one read go out as one entry, as Kaggle's own entries carry what the kernel printed
 * since the last flush: a program printing a million short lines costs a few thousand entries
 * instead of a million, here and at every reader. A line longer than LIMIT characters goes
 * out in pieces of LIMIT (log-lines.ts has the same rule), so the text held back stays short
 * and a huge line costs linear time.
 */
export const WRAPPER_FOLLOW = `LIMIT = ${MAX_LINE_CHARS}
streams = {p.stdout.fileno(): 'stdout', p.stderr.fileno(): 'stderr'}
decoders = dict((fd, codecs.getincrementaldecoder('utf-8')('replace')) for fd in streams)
pending = dict((fd, '') for fd in streams)
def flush(fd, final=False):
    text = pending[fd] + (decoders[fd].decode(b'', True) if final else '')
    pending[fd] = ''
    emit(streams[fd], text)
while streams:
    ready = select.select(list(streams), [], [], 0.2)[0]
    if not ready:
        for fd in streams:
            flush(fd)
        log.flush()
        if p.poll() is not None:
            break
        continue
    for fd in ready:
        chunk = os.read(fd, 65536)
        if not chunk:
            flush(fd, True)
            del streams[fd]
            continue
        text = pending[fd] + decoders[fd].decode(chunk)
        cut = text.rfind('\\n')
        if cut >= 0:
            emit(streams[fd], text[:cut + 1])
            text = text[cut + 1:]
        while len(text) >= LIMIT:
            emit(streams[fd], text[:LIMIT])
            text = text[LIMIT:]
        pending[fd] = text
    log.flush()
for fd in list(streams):
    flush(fd, True)
rc = p.wait()
log.close()
put('exit.json', json.dumps({'code': rc if rc >= 0 else None, 'signal': -rc if rc < 0 else None}))
# Leftover background processes of the run die with it, as on Kaggle (this wrapper too).
os.killpg(0, signal.SIGKILL)
`;

/** Python >= 3.8, standard library only. argv: session dir, then the command to run. */
export const WRAPPER_SOURCE = `
import os, signal, subprocess, sys, time
d = sys.argv[1]
cmd = sys.argv[2:]${WRAPPER_PRELUDE}put('wrapper.json', '{"pid": %d}' % os.getpid())
start = time.time()
log = open(os.path.join(d, 'log.jsonl'), 'a')
failure = None
try:
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
except OSError as e:
    failure = e
# Imported while the kernel starts, not before: they cost start-up time on every session.
import codecs, json, select
${WRAPPER_EMIT}if failure is not None:
    emit('stderr', 'cannot start %s\\n' % failure)
    log.close()
    put('exit.json', json.dumps({'code': 127, 'signal': None}))
    sys.exit(0)
${WRAPPER_FOLLOW}`;

export interface ExitRecord {
  code: number | null;
  signal: number | null;
}

export function sessionDir(dir: string): string {
  return join(dir, SESSION_DIR);
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function readExit(dir: string): Promise<ExitRecord | undefined> {
  return readJson<ExitRecord>(join(sessionDir(dir), 'exit.json'));
}

/**
 * The wrapper's record: its pid, and for a warm-started run (spare-pool.ts) the tag its
 * command line carries in place of the session folder, which it learned only later.
 */
export async function readWrapper(dir: string): Promise<{ pid: number; tag?: string } | undefined> {
  const record = await readJson<{ pid?: unknown; tag?: unknown }>(
    join(sessionDir(dir), 'wrapper.json'),
  );
  if (typeof record?.pid !== 'number') return undefined;
  return typeof record.tag === 'string'
    ? { pid: record.pid, tag: record.tag }
    : { pid: record.pid };
}

/**
 * True while the wrapper of the run in `dir` lives. Its command line names the session
 * folder (or carries `tag`), which tells it from an unrelated process that got the same pid
 * later.
 */
export async function wrapperAlive(pid: number, dir: string, tag?: string): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // A zombie (state Z) has ended; it is only waiting to be reaped.
    if (/\) Z /.test(stat)) return false;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.split('\0').includes(tag ?? sessionDir(dir));
  } catch {
    return true; // no /proc here: trust kill(0)
  }
}

/**
 * Reads log.jsonl incrementally: each call returns the whole lines added since the last, up
 * to about `maxBytes` of them (a reader starting on a long log takes it a part at a time).
 */
export class LogTail {
  private offset = 0;
  private rest = Buffer.alloc(0);

  constructor(
    private readonly path: string,
    private readonly maxBytes = Infinity,
  ) {}

  async read(): Promise<LogEntry[]> {
    let handle;
    try {
      handle = await open(this.path, 'r');
    } catch {
      return [];
    }
    const entries: LogEntry[] = [];
    try {
      for (let read = 0; read < this.maxBytes;) {
        const buffer = Buffer.alloc(65536);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        read += bytesRead;
        let data = Buffer.concat([this.rest, buffer.subarray(0, bytesRead)]);
        for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10)) {
          const line = data.subarray(0, nl).toString('utf8');
          data = data.subarray(nl + 1);
          try {
            entries.push(JSON.parse(line) as LogEntry);
          } catch {
            // a torn line cannot happen with whole-line writes; skip garbage rather than stop
          }
        }
        this.rest = Buffer.from(data);
      }
    } finally {
      await handle.close();
    }
    return entries;
  }
}
