"""A program's interpreter started before its session: a server's spare kernel starts one
while it waits (src/platform/local/spare-wrapper.ts, PROGRAM_BOOT_SOURCE) and leaves it in
sys._kaggle_run_warm. Handed the program, it runs it in __main__ as `python -u entry` would,
or exec()s that command in place where its own start could have differed; either way the
process, its pipes and its group are the ones a cold start would have had. Elsewhere (on
Kaggle, locally) there is none and every program starts cold."""

import marshal
import os
import sys


def take_warm_program():
    """The waiting interpreter, now the caller's (use it or discard it); None when none."""
    warm = getattr(sys, "_kaggle_run_warm", None)
    return None if warm is None else warm.pop("program", None)


def discard(proc):
    """Ends a waiting interpreter nobody will use (None: nothing to do)."""
    if proc is None:
        return
    proc.kill()  # it runs nothing of the user's yet: no grace needed
    proc.wait()
    try:
        proc.stdin.close()
    except OSError:
        pass


def hand_over(proc, cmd, env, cwd):
    """Gives `proc` the program `cmd` (python -u entry args...) to run with `env` in `cwd`;
    returns proc, or None (proc discarded) when it cannot stand for that start: it ended, or
    it runs another interpreter or other flags (the requirements step may have changed what
    a start loads, so the caller does not offer it then)."""
    if proc.poll() is not None or cmd[:2] != [sys.executable, "-u"] or len(cmd) < 3:
        discard(proc)
        return None
    message = {
        "env": dict(env),
        "cwd": cwd,
        # As Python names a script given on its command line: joined to the cwd, not
        # normalized (sys.argv keeps it as given).
        "path": os.path.join(cwd, cmd[2]),
        "cmd": list(cmd),
        "argv": list(cmd[2:]),
    }
    try:
        proc.stdin.write(marshal.dumps(message))
        proc.stdin.close()
    except OSError:
        discard(proc)
        return None
    return proc
