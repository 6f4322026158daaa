"""warm_program: an interpreter started ahead is handed its program, or ended and reaped;
never left running when the harness does not use it."""

import os
import subprocess
import sys
import unittest

from kaggle_run_harness import warm_program

# Stands for PROGRAM_BOOT_SOURCE: reads its message to the end, then exits 0.
WAITING = "import sys; sys.stdin.buffer.read()"


def waiting_interpreter():
    return subprocess.Popen(
        [sys.executable, "-c", WAITING],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


class WarmProgram(unittest.TestCase):
    def setUp(self):
        self.addCleanup(lambda: delattr(sys, "_kaggle_run_warm"))

    def offered(self):
        proc = waiting_interpreter()
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        sys._kaggle_run_warm = {"program": proc}
        return proc

    def test_one_taken_and_never_handed_a_program_is_ended_and_reaped(self):
        proc = self.offered()
        self.assertIs(warm_program.take_warm_program(), proc)
        warm_program.discard_unused()  # as main() does when a step before the program failed
        self.assertEqual(proc.returncode, -9)

    def test_one_never_taken_is_ended_too(self):
        proc = self.offered()
        warm_program.discard_unused()
        self.assertEqual(proc.returncode, -9)
        self.assertIsNone(warm_program.take_warm_program())

    def test_one_handed_its_program_is_the_programs(self):
        proc = self.offered()
        warm = warm_program.take_warm_program()
        cmd = [sys.executable, "-u", "train.py"]
        self.assertIs(warm_program.hand_over(warm, cmd, {"A": "1"}, os.getcwd()), proc)
        warm_program.discard_unused()  # nothing to end: it is running the program
        self.assertEqual(proc.wait(timeout=30), 0)

    def test_a_message_bigger_than_a_pipe_holds_starts_cold(self):
        proc = self.offered()
        warm = warm_program.take_warm_program()
        env = {"HUGE": "x" * (warm_program.MESSAGE_MAX_BYTES + 1)}
        cmd = [sys.executable, "-u", "train.py"]
        self.assertIsNone(warm_program.hand_over(warm, cmd, env, os.getcwd()))
        self.assertEqual(proc.returncode, -9)

    def test_another_interpreter_or_flags_start_cold(self):
        proc = self.offered()
        warm = warm_program.take_warm_program()
        self.assertIsNone(warm_program.hand_over(warm, ["python2", "-u", "t.py"], {}, "/"))
        self.assertEqual(proc.returncode, -9)


if __name__ == "__main__":
    unittest.main()
