"""Child processes: each in its own group, streamed live, stopped as a group."""

import os
import select
import signal
import subprocess
import threading
import time

from .errors import Terminated
from .warm_program import hand_over


# Seconds a stopped program gets between SIGTERM and SIGKILL. The local platform gives the
# harness 3 s after its own SIGTERM, so a stop it forwards must be quicker than that.
TIMEOUT_GRACE = 5.0
TERMINATE_GRACE = 1.5


def kill_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def on_terminate(ctx, signum, _frame):
    # A second signal while we clean up and write the manifest is ignored.
    signal.signal(signum, lambda *_: None)
    ctx.stop_requested = signal.Signals(signum).name
    for pgid in list(ctx.live_groups):
        kill_group(pgid, signal.SIGTERM if ctx.stop_raises else signal.SIGKILL)
    if ctx.stop_raises:
        raise Terminated(ctx.stop_requested)


def ignore_signals():
    try:
        signal.signal(signal.SIGTERM, lambda *_: None)
    except (ValueError, OSError):
        pass


def install_signal_handlers(ctx):
    try:
        signal.signal(signal.SIGTERM, lambda signum, frame: on_terminate(ctx, signum, frame))
    except (ValueError, OSError):
        pass  # not the main thread (an embedding host): a stop then ends the process as is


# Bytes of a process's output kept for its failure message (pip's last lines).
TAIL_BYTES = 8192


def pump(ctx, pipe, name, tail=None):
    fd = pipe.fileno()
    try:
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            ctx.out.write(name, chunk)
            if tail is not None:
                tail.extend(chunk)
                del tail[:-TAIL_BYTES]
    except OSError:
        pass
    finally:
        ctx.out.write(name, b"", flush=True)  # a tail held back by the masking
        try:
            pipe.close()
        except OSError:
            pass


def stop_group(proc, grace):
    """SIGTERM to the whole group, then SIGKILL once the grace period is over."""
    kill_group(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    kill_group(proc.pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.kill()  # the group could not be signalled; at least the program itself stops
    proc.wait()


def wait_for_exit(proc, timeout):
    """proc.wait(timeout), told the moment the process ends. Popen.wait with a timeout polls,
    sleeping up to 50 ms between looks, which every session paid at its program's end. A
    pidfd (Linux 5.3+, Python 3.9+) turns readable when the process exits; where there is
    none (another system, a seccomp filter that refuses it) Popen's own wait does the work.
    poll(), not select(): select cannot watch a descriptor numbered 1024 or more."""
    if timeout is None or proc.returncode is not None:
        return proc.wait()  # no deadline, or reaped already (its pid may be another's now)
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        return proc.wait(timeout=timeout)  # no pidfd, or the process is reaped already
    try:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        end = time.monotonic() + timeout
        while not poller.poll(max(0, int((end - time.monotonic()) * 1000) + 1)):
            if time.monotonic() >= end:
                raise subprocess.TimeoutExpired(proc.args, timeout)
    finally:
        os.close(pidfd)
    return proc.wait()


def run_streaming(ctx, cmd, env, cwd, deadline, tail=None, warm=None):
    """Runs cmd in its own process group, streaming its output live.

    Returns (returncode, timed_out). Whatever the program left running in its group is
    killed when it ends, as a Kaggle session would on shutdown. `tail`, a bytearray, gets
    the last TAIL_BYTES of its output (both streams, as they arrived). `warm`: an
    interpreter started for cmd before the session (warm_program.py), used where it can be.
    """
    proc = None if warm is None else hand_over(warm, cmd, env, cwd)
    if proc is None:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    ctx.live_groups.add(proc.pid)
    threads = [
        threading.Thread(target=pump, args=(ctx, proc.stdout, "stdout", tail), daemon=True),
        threading.Thread(target=pump, args=(ctx, proc.stderr, "stderr", tail), daemon=True),
    ]
    for thread in threads:
        thread.start()
    timed_out = False
    try:
        try:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            wait_for_exit(proc, remaining)
        except subprocess.TimeoutExpired:
            timed_out = True
            stop_group(proc, TIMEOUT_GRACE)
    finally:
        if proc.poll() is None:
            stop_group(proc, TERMINATE_GRACE)
        kill_group(proc.pid, signal.SIGKILL)
        ctx.live_groups.discard(proc.pid)
        for thread in threads:
            # A process that left our group (setsid) may still hold the pipe; do not wait on it.
            thread.join(timeout=5)
    return proc.returncode, timed_out


def exit_code_of(returncode):
    # A signal death reads as the shell writes it: 128 + the signal number.
    return 128 - returncode if returncode < 0 else returncode


def signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return "signal %d" % number
