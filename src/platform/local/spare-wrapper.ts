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
// A spare kernel also prepares, while it waits, what a kaggle-run harness pays for on the
// session's path: the harness's modules compiled, and its program's interpreter started and
// waiting (PROGRAM_BOOT_SOURCE), which the harness hands its program to by the same rules.
//
// An unused spare never outlives its server: stdin reaching end of file without a message
// (the server closed it, or died) ends it, as does the idle limit; it kills its own group.

import { WRAPPER_EMIT, WRAPPER_FOLLOW, WRAPPER_PRELUDE } from './detached-run.js';

/**
 * Python >= 3.8, standard library only. argv: tag, idle seconds, the harness's modules file
 * ("" for none), the kernel's boot command. The wrapper stands outside any sandbox: it opens
 * the modules file, and the kernel reads it from the descriptor it inherits (the file's
 * folder need not be visible in its sandbox).
 */
export const SPARE_WRAPPER_SOURCE = `
import os, signal, subprocess, sys, time
import codecs, json, select
tag = sys.argv[1]
idle = float(sys.argv[2])
modules = sys.argv[3]
boot = sys.argv[4:]
d = None${WRAPPER_PRELUDE}def abandon():
    os.killpg(0, signal.SIGKILL)
mfd = -1
if modules:
    try:
        mfd = os.open(modules, os.O_RDONLY)
    except OSError:
        pass  # the kernel compiles the harness's modules itself
rfd, wfd = os.pipe()
try:
    p = subprocess.Popen(boot + [str(mfd), str(wfd)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=(wfd,) if mfd < 0 else (wfd, mfd))
except OSError:
    abandon()
os.close(wfd)
if mfd >= 0:
    os.close(mfd)
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

/**
 * What both kinds of waiting interpreter share (Python >= 3.8, standard library only): the
 * wait for the message, the fit (may this start stand for a cold one?) and the hand-over,
 * which runs the script in __main__ as `python -u script` would or exec()s the cold command
 * in place.
 */
const WARM_START_SOURCE = `
def _kaggle_run_message(os):
    # The whole of stdin: the message. End of file with none means "not needed": exit.
    chunks = []
    while True:
        chunk = os.read(0, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    if not chunks:
        os._exit(0)
    return b''.join(chunks)
# Variables naming the session's own folders and inputs: no start-up reads them (tempfile
# reads TMPDIR only when first asked for a folder, after the session took its env).
SESSION_VARS = ('KAGGLE_RUN_INPUT_DIR', 'KAGGLE_RUN_WORKING_DIR', 'KAGGLE_RUN_TEMP_DIR',
                'KAGGLE_RUN_INPUTS', 'KAGGLE_RUN_INPUTS_FILE', 'KAGGLE_RUN_CODE_RECYCLE',
                'TMPDIR', 'PYTHONPATH')
def _kaggle_run_fit(os, sys, env, also):
    # Where the session's sys.path goes, or None when this start may differ from a cold one.
    # \`also\`: more variables that differ from session to session and no start-up reads.
    mine = os.environ
    for name in set(mine) | set(env):
        if name not in SESSION_VARS and name not in also:
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
def _kaggle_run_take(os, sys, go, also, adopt=None):
    # go: env, cwd, path (the script), cmd (the cold start), argv (sys.argv; [path] if none).
    # Imports nothing: a program started so must see the modules a cold start loads, no more.
    null = os.open(os.devnull, os.O_RDWR)  # as subprocess.DEVNULL opens it
    os.dup2(null, 0)
    os.close(null)
    env = go['env']
    path = go['path']
    cmd = go['cmd']
    os.chdir(go['cwd'])
    fit = _kaggle_run_fit(os, sys, env, also)
    if fit is None:
        if adopt is not None:
            adopt(None)
        try:
            os.execvpe(cmd[0], cmd, env)
        except OSError as e:
            os.write(2, ('cannot start %s\\n' % e).encode('utf-8', 'replace'))
            os._exit(127)
    first, dropped, added = fit
    with open(path, 'rb') as f:
        source = f.read()
    if adopt is not None:
        adopt(source)
    os.environ.clear()
    os.environ.update(env)
    sys.path[first:first + dropped] = added
    if first == 1:
        sys.path[0] = os.path.dirname(os.path.realpath(path))
    # Folders that were empty or missing while it waited (a sandbox made ahead gets its files
    # only now): finders looked up then must be looked up again (importlib.invalidate_caches).
    sys.path_importer_cache.clear()
    if 'importlib' in sys.modules:
        sys.modules['importlib'].invalidate_caches()
    else:
        for finder in sys.meta_path:
            if hasattr(finder, 'invalidate_caches'):
                finder.invalidate_caches()
    sys.argv[:] = go.get('argv') or [path]
    if hasattr(sys, 'orig_argv'):
        sys.orig_argv[:] = cmd
    g = sys.modules['__main__'].__dict__
    builtins = g['__builtins__']
    loader = sys.modules['_frozen_importlib_external'].SourceFileLoader('__main__', path)
    g.clear()
    g.update({'__name__': '__main__', '__doc__': None, '__package__': None,
              '__loader__': loader, '__spec__': None, '__annotations__': {},
              '__builtins__': builtins, '__file__': path, '__cached__': None})
    def trimmed(tb):
        # A traceback as a cold start reports it: without this function's frames.
        while tb is not None and tb.tb_frame.f_code.co_filename != path:
            tb = tb.tb_next
        return tb
    try:
        exec(compile(source, path, 'exec', dont_inherit=True), g)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        # Left to the interpreter, which ends as a cold one would (its shutdown, then killed
        # by SIGINT); only the report it makes through sys.excepthook is trimmed.
        hook = getattr(sys, 'excepthook', None)  # a program may have deleted it
        def report(kind, value, tb):
            value.__traceback__ = trimmed(tb)  # what the printing reads, whatever tb says
            if hook is None:
                del sys.excepthook
                sys.stderr.write('sys.excepthook is missing\\n')
                sys.__excepthook__(kind, value, value.__traceback__)
                return
            sys.excepthook = hook
            hook(kind, value, value.__traceback__)
        sys.excepthook = report
        raise
    except BaseException as e:
        tb = trimmed(e.__traceback__)
        e.__traceback__ = tb
        sys.excepthook(type(e), e, tb)
        sys.exit(1)
`;

/**
 * A harness's program, started before its session (Python >= 3.8, standard library only):
 * `python -u -c` this, started by a waiting kernel (SPARE_BOOT_SOURCE) with stdin, stdout and
 * stderr on pipes, as the harness starts a program. It waits on stdin for the harness's
 * message (marshal: this interpreter's own format, read without importing anything), then
 * runs the program in __main__. Besides the session's folders, the variables the harness
 * sets for every program (harness/kaggle_run_harness/script.py, program_env) may differ;
 * anything else (a secret, an env file's variable, CUDA_VISIBLE_DEVICES of a CPU session)
 * makes it exec() the cold command. End of file on stdin without a message ends it.
 */
export const PROGRAM_BOOT_SOURCE = `${WARM_START_SOURCE}
PROGRAM_VARS = ('KAGGLE_RUN_PARAMS', 'KAGGLE_RUN_PARAMS_FILE', 'KAGGLE_RUN_ID',
                'KAGGLE_RUN_NONCE', 'PYTHONUNBUFFERED')
def _kaggle_run_boot():
    import os, sys, marshal
    _kaggle_run_take(os, sys, marshal.loads(_kaggle_run_message(os)), PROGRAM_VARS)
_kaggle_run_boot()
`;

/**
 * A waiting kernel (Python >= 3.8, standard library only). argv: the program boot source
 * ("" for none), then (added by the wrapper) the fd of the assembled harness's modules (a
 * JSON object of file name -> text; -1 for none) and the fd to say "ready" on.
 *
 * While it waits it also prepares what a kaggle-run harness would otherwise pay for on the
 * session's path: its modules compiled (only a module whose text is the same is taken from
 * them), and its program's interpreter started (PROGRAM_BOOT_SOURCE). Both wait in
 * sys._kaggle_run_warm, which the harness reads (bootstrap.py, warm_program.py); a kernel
 * that is not a harness, or that starts cold, ends the program's interpreter first.
 */
export const SPARE_BOOT_SOURCE = `${WARM_START_SOURCE}
def _kaggle_run_prepare(os, sys, modules_fd, program_source):
    warm = {}
    if modules_fd >= 0:
        try:
            import json
            with os.fdopen(modules_fd, 'rb') as f:
                files = json.loads(f.read().decode('utf-8'))
            warm['compiled'] = dict(
                (name, (text, compile(text, name, 'exec', dont_inherit=True)))
                for name, text in files.items() if name.endswith('.py'))
        except Exception:
            pass  # the harness compiles its modules itself
    if program_source:
        import subprocess
        try:
            warm['program'] = subprocess.Popen(
                [sys.executable, '-u', '-c', program_source],
                env=dict(os.environ, PYTHONUNBUFFERED='1'), stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        except OSError:
            pass  # the harness starts its program cold
    return warm
HARNESS_START = b'# kaggle-run harness '
def _kaggle_run_boot():
    import os, sys
    # Standard modules a kernel's start needs (the harness imports them all), imported while
    # waiting. Importing them has no effect beyond sys.modules: none reads the variables or
    # folder a session may change, and _kaggle_run_fit counts them as loaded at start-up.
    for name in ('base64', 'binascii', 'datetime', 'decimal', 'hashlib', 'importlib.util',
                 'importlib.machinery', 'io', 'json', 'keyword', 'math', 'platform',
                 'posixpath', 're', 'shlex', 'shutil', 'signal', 'stat', 'subprocess',
                 'tempfile', 'threading', 'time', 'uuid', 'zipfile'):
        try:
            __import__(name)
        except Exception:
            pass
    warm = _kaggle_run_prepare(os, sys, int(sys.argv[-2]), sys.argv[1])
    w = int(sys.argv[-1])
    os.write(w, b'R')
    os.close(w)
    message = _kaggle_run_message(os)
    import json
    def adopt(source):
        if source is not None and source.startswith(HARNESS_START):
            sys._kaggle_run_warm = warm
            return
        program = warm.pop('program', None)
        if program is not None:
            program.kill()
            program.wait()
    _kaggle_run_take(os, sys, json.loads(message.decode('utf-8')), (), adopt)
_kaggle_run_boot()
`;
