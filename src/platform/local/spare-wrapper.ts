// The Python side of a warm start (spare-pool.ts). A spare is the wrapper of detached-run.ts
// started before its session is known, with its kernel interpreter already started (site and
// its .pth files loaded) and waiting. Both wait on pipes: the kernel says it is ready on a pipe
// of its own, the wrapper tells the server (one byte on stdout), then waits for the session on
// stdin. The server writes one JSON message and closes stdin:
//
//   {"session": dir for log.jsonl / exit.json, "cwd": the kernel's, "hostCwd": the wrapper's
//    (outside the sandbox), "env": {...}, "path": kernel script,
//    "cmd": [python, "-u", script] (the cold start's command)}
//
// From there the wrapper behaves as the cold one: wrapper.json (with the spare's tag, which its
// command line carries in place of the session folder), log.jsonl, exit.json, same process
// group. The kernel takes the session's env and cwd and runs the script in __main__ as
// `python -u script` would. Where its own start could have differed from a cold start (any
// variable other than the session folders differs, PYTHONPATH other than in its entries in
// front, a front entry that could shadow a module loaded at start-up), it exec()s the cold
// command in place instead: same pid and pipes, the cold start exactly.
//
// An unused spare never outlives its server: stdin reaching end of file without a message
// (the server closed it, or died) ends it, as does the idle limit; it kills its own group.

import { WRAPPER_EMIT, WRAPPER_FOLLOW, WRAPPER_PRELUDE } from './detached-run.js';

/** Python >= 3.8, standard library only. argv: tag, idle seconds, the kernel's boot command. */
export const SPARE_WRAPPER_SOURCE = `
import os, signal, subprocess, sys, time
import codecs, json, select
tag = sys.argv[1]
idle = float(sys.argv[2])
boot = sys.argv[3:]
d = None${WRAPPER_PRELUDE}def abandon():
    os.killpg(0, signal.SIGKILL)
rfd, wfd = os.pipe()
try:
    p = subprocess.Popen(boot + [str(wfd)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=(wfd,))
except OSError:
    abandon()
os.close(wfd)
deadline = time.time() + idle
data = b''
ready = False
while True:
    left = deadline - time.time()
    if left <= 0 or p.poll() is not None:
        abandon()
    waiting = [0] if ready else [0, rfd]
    readable = select.select(waiting, [], [], min(left, 1.0))[0]
    if rfd in readable:
        if os.read(rfd, 1) != b'R':
            abandon()
        os.close(rfd)
        ready = True
        try:
            os.write(1, b'R')
        except OSError:
            abandon()
    if 0 in readable:
        chunk = os.read(0, 65536)
        if not chunk:
            break
        data += chunk
if not ready or not data:
    abandon()
try:
    go = json.loads(data.decode('utf-8'))
    d = go['session']
except Exception:
    abandon()
null = os.open(os.devnull, os.O_RDWR)
os.dup2(null, 0)
os.dup2(null, 1)
os.close(null)
put('wrapper.json', json.dumps({'pid': os.getpid(), 'tag': tag}))
start = time.time()
log = open(os.path.join(d, 'log.jsonl'), 'a')
${WRAPPER_EMIT}try:
    # The wrapper stands outside the sandbox, where the kernel's /kaggle/working is not.
    os.chdir(go.get('hostCwd') or go['cwd'])
except OSError as e:
    emit('stderr', 'cannot start %s\\n' % e)
    log.close()
    put('exit.json', json.dumps({'code': 127, 'signal': None}))
    abandon()
try:
    p.stdin.write(data)
    p.stdin.close()
except OSError:
    pass  # the kernel died: the loop below records how
${WRAPPER_FOLLOW}`;

/** Python >= 3.8, standard library only. argv: the fd to say "ready" on. */
export const SPARE_BOOT_SOURCE = `
# Variables naming the session's own folders and inputs: no start-up reads them (tempfile
# reads TMPDIR only when first asked for a folder, after the session took its env).
SESSION_VARS = ('KAGGLE_RUN_INPUT_DIR', 'KAGGLE_RUN_WORKING_DIR', 'KAGGLE_RUN_TEMP_DIR',
                'KAGGLE_RUN_INPUTS', 'KAGGLE_RUN_INPUTS_FILE', 'KAGGLE_RUN_CODE_RECYCLE',
                'TMPDIR', 'PYTHONPATH')
def _kaggle_run_fit(os, sys, env):
    # Where the session's sys.path goes, or None when this start may differ from a cold one.
    mine = os.environ
    for name in set(mine) | set(env):
        if name not in SESSION_VARS:
            if mine.get(name) != env.get(name):
                return None
    old = mine.get('PYTHONPATH')
    new = env.get('PYTHONPATH')
    first = 0 if getattr(sys.flags, 'safe_path', False) else 1
    if old == new:
        return (first, 0, [])
    if not old or not new:
        return None
    ours = old.split(os.pathsep)
    theirs = new.split(os.pathsep)
    if not all(e.startswith('/') for e in ours + theirs):
        return None
    if sys.path[first:first + len(ours)] != ours:
        return None
    same = 0
    while same < min(len(ours), len(theirs)) and ours[-1 - same] == theirs[-1 - same]:
        same += 1
    dropped = ours[:len(ours) - same]
    added = theirs[:len(theirs) - same]
    loaded = set(name.partition('.')[0] for name in sys.modules)
    loaded.update(('sitecustomize', 'usercustomize'))
    for folder in dropped + added:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if name.partition('.')[0] in loaded:
                return None
    return (first, len(dropped), added)
def _kaggle_run_boot():
    import os, sys
    # Standard modules a kernel's start needs (the harness imports them all), imported while
    # waiting. Importing them has no effect beyond sys.modules: none reads the variables or
    # folder a session may change, and _kaggle_run_fit counts them as loaded at start-up.
    for name in ('base64', 'binascii', 'datetime', 'decimal', 'hashlib', 'importlib.util',
                 'io', 'json', 'keyword', 'math', 'platform', 'posixpath', 're', 'shlex',
                 'shutil', 'signal', 'stat', 'subprocess', 'tempfile', 'threading', 'time',
                 'uuid', 'zipfile'):
        try:
            __import__(name)
        except Exception:
            pass
    w = int(sys.argv[1])
    os.write(w, b'R')
    os.close(w)
    chunks = []
    while True:
        chunk = os.read(0, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    if not chunks:
        os._exit(0)
    import json
    go = json.loads(b''.join(chunks).decode('utf-8'))
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    env = go['env']
    path = go['path']
    cmd = go['cmd']
    os.chdir(go['cwd'])
    fit = _kaggle_run_fit(os, sys, env)
    if fit is None:
        try:
            os.execvpe(cmd[0], cmd, env)
        except OSError as e:
            os.write(2, ('cannot start %s\\n' % e).encode('utf-8', 'replace'))
            os._exit(127)
    import importlib, importlib.machinery
    first, dropped, added = fit
    with open(path, 'rb') as f:
        source = f.read()
    os.environ.clear()
    os.environ.update(env)
    sys.path[first:first + dropped] = added
    if first == 1:
        sys.path[0] = os.path.dirname(os.path.realpath(path))
    # Folders that were empty or missing while the spare waited (a sandbox made ahead gets
    # its files only now): finders looked up then must be looked up again.
    sys.path_importer_cache.clear()
    importlib.invalidate_caches()
    sys.argv[:] = [path]
    if hasattr(sys, 'orig_argv'):
        sys.orig_argv[:] = cmd
    g = sys.modules['__main__'].__dict__
    builtins = g['__builtins__']
    g.clear()
    g.update({'__name__': '__main__', '__doc__': None, '__package__': None,
              '__loader__': importlib.machinery.SourceFileLoader('__main__', path),
              '__spec__': None, '__annotations__': {}, '__builtins__': builtins,
              '__file__': path, '__cached__': None})
    try:
        exec(compile(source, path, 'exec', dont_inherit=True), g)
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as e:
        # Reported as a cold start would: without this function's frames.
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != path:
            tb = tb.tb_next
        e.__traceback__ = tb
        sys.excepthook(type(e), e, tb)
        sys.exit(1)
_kaggle_run_boot()
`;
