"""The console and the run context: masking and teeing, one context per run."""

import os
import tempfile
import unittest

from kaggle_run_harness.console import Masker
from kaggle_run_harness.context import RunContext


class Masking(unittest.TestCase):
    def test_a_value_cut_across_chunks_is_never_printed_in_halves(self):
        mask = Masker()
        mask.add("s3cret-value")
        first = mask.stream("stdout", b"token s3cr")
        second = mask.stream("stdout", b"et-value done\n")
        self.assertEqual(first + second + mask.flush("stdout"), b"token *** done\n")
        self.assertNotIn(b"s3cr", first)

    def test_short_values_are_not_masked(self):
        mask = Masker()
        mask.add("gpu")
        self.assertEqual(mask.text("gpu here"), "gpu here")

    def test_each_line_of_a_multi_line_value_is_masked(self):
        mask = Masker()
        mask.add("line-one\nline-two")
        self.assertEqual(mask.text("a line-two b"), "a *** b")


class Context(unittest.TestCase):
    def test_runs_share_nothing(self):
        first, second = RunContext(), RunContext()
        first.mask.add("only-in-first")
        self.assertEqual(second.mask.text("only-in-first"), "only-in-first")
        self.assertIsNot(first.live_groups, second.live_groups)
        self.assertIsNone(first.stop_requested)
        self.assertTrue(first.stop_raises)

    def test_the_log_gets_masked_lines(self):
        ctx = RunContext()
        ctx.mask.add("hidden-value")
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "kaggle-run.log")
            ctx.out.open_log(path)
            ctx.out.line("the key is hidden-value", to_log=True)
            ctx.out.close_log()
            with open(path, "rb") as f:
                self.assertEqual(f.read(), b"[kaggle-run] the key is ***\n")


if __name__ == "__main__":
    unittest.main()
