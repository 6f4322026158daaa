"""The `python` step: the process's age on a cold start, none where a spare was handed the
session (its age is its wait)."""

import unittest

from kaggle_run_harness.main import started_warm


def _kaggle_run_boot():
    # As the server's spare names the function that exec()s the harness's script.
    return started_warm()


class StartedWarm(unittest.TestCase):
    def test_a_cold_start_is_not_warm(self):
        self.assertFalse(started_warm())

    def test_the_harness_run_from_a_spare_is_warm(self):
        self.assertTrue(_kaggle_run_boot())


if __name__ == "__main__":
    unittest.main()
