"""A program's interpreter started before it is needed: a server's spare kernel starts one
while it waits (src/platform/local/spare-wrapper.ts, PROGRAM_BOOT_SOURCE), and a local run's
harness starts one first thing for a plain script (harness/bootstrap.py); either leaves it in
sys._kaggle_run_warm. Handed the program, it runs it in __main__ as `python -u entry` would,
or exec()s that command in place where its own start could have differed; either way the
process, its pipes and its group are the ones a cold start would have had. On Kaggle there
is none and every program starts cold."""

import marshal
import os
import sys

# A message no bigger than a pipe holds (Linux: 64 KiB) is written without waiting on the
# interpreter; a bigger one (a huge environment) starts cold rather than block the harness
# on an interpreter whose own start may be stuck.
MESSAGE_MAX_BYTES = 65536

# Taken and not yet handed a program: discard_unused() ends them if a step fails first.
_unused = []


def take_warm_program():
    """The waiting interpreter, now the caller's (use it or discard it); None when none."""
    warm = getattr(sys, "_kaggle_run_warm", None)
    proc = None if warm is None else warm.pop("program", None)
    if proc is not None:
        _unused.append(proc)
    return proc


def discard_unused():
    """Ends the waiting interpreter if no program was handed to it (a step before failed, or
    the harness stopped): it is reaped here, not left to whatever reaps orphans."""
    take_warm_program()
    while _unused:
        discard(_unused[-1])


def discard(proc):
    """Ends a waiting interpreter nobody will use (None: nothing to do)."""
    if proc is None:
        return
    if proc in _unused:
        _unused.remove(proc)
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
    data = marshal.dumps(message)
    if len(data) > MESSAGE_MAX_BYTES:
        discard(proc)
        return None
    try:
        proc.stdin.write(data)
        proc.stdin.close()
    except OSError:
        discard(proc)
        return None
    _unused.remove(proc)
    return proc
