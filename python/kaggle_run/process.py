"""Running one kaggle-run command: stdout read line by line by the caller, stderr pumped on a
thread (to a callback, keeping its tail for errors), Ctrl-C passed on to the CLI so a Kaggle
run is left attachable, and an optional bound on the whole wait."""

import collections
import json
import os
import queue
import signal
import subprocess
import threading
import time

from .errors import Interrupted, PlatformError, TimeoutError, UsageError, error_for_exit

STDERR_TAIL_LINES = 40
# Seconds the CLI gets to finish after Ctrl-C (it records the run and prints `attach`).
INTERRUPT_GRACE = 15.0


class CliProcess:
    """One CLI process. ``messages()`` yields ``(stream, line)`` from stdout and stderr as
    they come, each stream in order; ``finish()`` returns the exit code."""

    def __init__(self, command, args, cwd=None, env=None, wait_timeout=None):
        self.argv = list(command) + list(args)
        self.tail = collections.deque(maxlen=STDERR_TAIL_LINES)
        self.timed_out = False
        self.wait_timeout = wait_timeout
        self.queue = queue.Queue()
        full_env = dict(os.environ)
        full_env.update(env or {})
        try:
            self.proc = subprocess.Popen(
                self.argv,
                cwd=cwd,
                env=full_env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                encoding="utf-8",
                errors="replace",
                bufsize=1,
            )
        except OSError as error:
            raise UsageError("cannot start kaggle-run (%s): %s" % (self.argv[0], error))
        self.pumps = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, "stdout"), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, "stderr"), daemon=True),
        ]
        for pump in self.pumps:
            pump.start()
        self.timer = None
        if wait_timeout is not None:
            self.timer = threading.Timer(wait_timeout, self._expire)
            self.timer.daemon = True
            self.timer.start()

    def _pump(self, pipe, stream):
        try:
            for line in pipe:
                if stream == "stderr":
                    self.tail.append(line.rstrip("\n"))
                self.queue.put((stream, line))
        finally:
            pipe.close()
            self.queue.put((stream, None))

    def _expire(self):
        self.timed_out = True
        self._stop()

    def _stop(self):
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)  # the CLI's own Ctrl-C path: the run stays attachable
        deadline = time.monotonic() + INTERRUPT_GRACE
        while self.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.proc.poll() is None:
            self.proc.kill()

    def interrupt(self):
        """Stops the CLI as Ctrl-C would (a Kaggle run stays attachable) and waits for it."""
        self._stop()
        self.proc.wait()

    def messages(self):
        open_streams = 2
        try:
            while open_streams > 0:
                try:
                    stream, line = self.queue.get(timeout=0.5)
                except queue.Empty:
                    continue  # wakes up now and then so that Ctrl-C is seen at once
                if line is None:
                    open_streams -= 1
                else:
                    yield stream, line
        except KeyboardInterrupt:
            self.interrupt()
            raise Interrupted(
                "interrupted; a Kaggle run goes on: pick it up with kaggle_run.attach(run_id)",
                stderr=self.stderr_text(),
            )

    def finish(self):
        """Waits for the process (its output read) and returns its exit code."""
        code = self.proc.wait()
        if self.timer is not None:
            self.timer.cancel()
        if self.timed_out:
            raise TimeoutError(
                "kaggle-run did not finish within %s s (wait_timeout) and was stopped; a Kaggle "
                "run goes on: pick it up with kaggle_run.attach(run_id)" % self.wait_timeout,
                stderr=self.stderr_text(),
            )
        return code

    def stderr_text(self):
        return "\n".join(self.tail)


def read_document(text, what, stderr=""):
    try:
        return json.loads(text)
    except ValueError:
        last = stderr.strip().splitlines()[-3:]
        raise PlatformError(
            "kaggle-run printed no JSON document for %s (stdout %r)%s"
            % (what, text[:200], "; its stderr ended: " + " | ".join(last) if last else ""),
            stderr=stderr,
        )


def is_error_document(doc):
    """`{"runId"?, "error": {kind, message, exitCode}}`, as against a record or a result."""
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("error"), dict)
        and "exitCode" in doc["error"]
        and "status" not in doc
        and "points" not in doc
    )


def raise_for_error_document(doc, code, stderr, run_id=None):
    """A `{"error": {...}}` document (or an error event) as the matching exception."""
    error = doc.get("error") or {}
    exit_code = error.get("exitCode", code)
    raise error_for_exit(
        exit_code if isinstance(exit_code, int) else code,
        error.get("message") or "kaggle-run failed (exit %s)" % code,
        hint=error.get("hint"),
        kind=error.get("kind"),
        run_id=doc.get("runId", run_id),
        stderr=stderr,
    )
