"""Waiting on a program: its end is seen when it happens, its deadline is kept."""

import os
import select
import subprocess
import sys
import threading
import unittest
from unittest import mock

from kaggle_run_harness.processes import wait_for_exit


def child(code):
    return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE)


class WaitForExit(unittest.TestCase):
    def test_the_end_is_one_wait_not_a_poll(self):
        # The child ends when its stdin closes, well after the wait began: a polling wait
        # would look many times, the pidfd's poll once.
        proc = child("import sys; sys.stdin.read(); sys.exit(3)")
        calls = []
        real_poll = select.poll

        class CountedPoll:
            def __init__(self):
                self.inner = real_poll()

            def register(self, *args):
                self.inner.register(*args)

            def poll(self, *args):
                calls.append(args)
                return self.inner.poll(*args)

        def close_stdin_soon():
            proc.stdin.close()

        timer = threading.Timer(0.2, close_stdin_soon)
        timer.start()
        try:
            with mock.patch.object(select, "poll", CountedPoll):
                self.assertEqual(wait_for_exit(proc, 60), 3)
        finally:
            timer.cancel()
        if hasattr(os, "pidfd_open"):
            self.assertEqual(len(calls), 1)
        self.assertEqual(proc.returncode, 3)

    def test_the_deadline_raises_and_leaves_the_process_running(self):
        proc = child("import sys; sys.stdin.read()")
        try:
            with self.assertRaises(subprocess.TimeoutExpired):
                wait_for_exit(proc, 0.05)
            self.assertIsNone(proc.poll())
        finally:
            proc.stdin.close()
            proc.wait()

    def test_without_a_pidfd_popen_waits(self):
        proc = child("import sys; sys.exit(5)")
        proc.stdin.close()
        with mock.patch.object(os, "pidfd_open", side_effect=OSError(38, "ENOSYS"), create=True):
            self.assertEqual(wait_for_exit(proc, 60), 5)

    def test_a_process_reaped_already_answers_at_once(self):
        proc = child("pass")
        proc.stdin.close()
        proc.wait()
        self.assertEqual(wait_for_exit(proc, 60), 0)

    def test_a_pidfd_numbered_past_1024_is_watched(self):
        # select() refuses descriptors from 1024 on; a harness holding many files gets one.
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < 1200:
            self.skipTest("this machine allows fewer than 1200 open files")
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
        held = []
        try:
            while len(held) < 1100:
                held.append(os.open(os.devnull, os.O_RDONLY))
            proc = child("import sys; sys.exit(4)")
            proc.stdin.close()
            self.assertEqual(wait_for_exit(proc, 60), 4)
        finally:
            for fd in held:
                os.close(fd)
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    def test_no_deadline_waits_to_the_end(self):
        proc = child("import sys; sys.exit(7)")
        proc.stdin.close()
        self.assertEqual(wait_for_exit(proc, None), 7)


if __name__ == "__main__":
    unittest.main()
