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
        # would look many times, the pidfd's select once.
        proc = child("import sys; sys.stdin.read(); sys.exit(3)")
        calls = []
        real_select = select.select

        def counted(*args):
            calls.append(args)
            return real_select(*args)

        def close_stdin_soon():
            proc.stdin.close()

        timer = threading.Timer(0.2, close_stdin_soon)
        timer.start()
        try:
            with mock.patch.object(select, "select", counted):
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

    def test_no_deadline_waits_to_the_end(self):
        proc = child("import sys; sys.exit(7)")
        proc.stdin.close()
        self.assertEqual(wait_for_exit(proc, None), 7)


if __name__ == "__main__":
    unittest.main()
