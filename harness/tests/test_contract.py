"""The harness keeps to the contract it shares with the CLI (contract.json)."""

import ast
import os
import unittest

from kaggle_run_harness.contract import CONTRACT, STEPS
from kaggle_run_harness.params import render_args

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "kaggle_run_harness")


def setup_error_steps():
    """Every step named as a literal in SetupError(...) and state["failedStep"] = ..."""
    found = {}
    for name in sorted(os.listdir(PACKAGE)):
        if not name.endswith(".py"):
            continue
        with open(os.path.join(PACKAGE, name)) as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "SetupError"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.setdefault(node.args[0].value, name)
            if isinstance(node, ast.keyword) and node.arg == "failedStep":
                if isinstance(node.value, ast.Constant) and node.value.value is not None:
                    found.setdefault(node.value.value, name)
    return found


class Steps(unittest.TestCase):
    def test_every_step_the_harness_names_is_in_the_contract(self):
        found = setup_error_steps()
        self.assertIn("unpack", found)  # the scan sees the calls
        for step, where in found.items():
            self.assertIn(step, STEPS, "%s names step %r" % (where, step))

    def test_every_step_has_a_blame(self):
        for step in STEPS:
            self.assertIn(CONTRACT["steps"][step], ("usage", "platform", "program", "timeout"))


class Templates(unittest.TestCase):
    def test_spaces_inside_the_braces_name_the_param(self):
        self.assertEqual(render_args(["--lr=${ lr }", "${\tlr}"], {"lr": 0.01}), ["--lr=0.01", "0.01"])

    def test_a_literal_keeps_its_text(self):
        self.assertEqual(render_args(["$${ x }", "$${x}"], {}), ["${ x }", "${x}"])


if __name__ == "__main__":
    unittest.main()
