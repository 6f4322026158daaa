"""The shared table of contract cases (contract_cases.json), through the harness. The CLI
runs the same table (test/harness/contract-cases.test.ts): where the two sides would read
an input differently, one of them fails."""

import json
import os
import tempfile
import time
import unittest

from kaggle_run_harness.context import RunContext
from kaggle_run_harness.contract import is_identifier, is_python_variable
from kaggle_run_harness.errors import SetupError
from kaggle_run_harness.manifest import write_manifest
from kaggle_run_harness.notebook_file import inject_parameters, load_notebook
from kaggle_run_harness.params import render_args
from kaggle_run_harness.schema import check, problem_of
from kaggle_run_harness.settings import check_settings

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "contract_cases.json"), encoding="utf-8") as f:
    CASES = json.load(f)


def case_value(table, case):
    if "replace" in case:
        return case["replace"]
    value = json.loads(json.dumps(table["base"]))
    value.update(case.get("set", {}))
    for key in case.get("unset", ()):
        value.pop(key, None)
    return value


class SharedCases(unittest.TestCase):
    def run_table(self, name):
        table = CASES[name]
        self.assertGreater(len(table["cases"]), 5)
        for case in table["cases"]:
            with self.subTest(case["name"]):
                found = problem_of(case_value(table, case), name)
                self.assertEqual(found and found.message, case["problem"])

    def test_settings(self):
        self.run_table("settings")

    def test_manifest(self):
        self.run_table("manifest")

    def test_identifiers(self):
        for case in CASES["identifiers"]["cases"]:
            with self.subTest(case["name"]):
                self.assertEqual(is_identifier(case["name"]), case["identifier"])
                self.assertEqual(is_python_variable(case["name"]), case["pythonVariable"])

    def test_a_settings_problem_is_a_settings_step_failure_naming_the_field(self):
        table = CASES["settings"]
        with self.assertRaises(SetupError) as caught:
            check_settings(case_value(table, {"set": {"timeoutSeconds": 0}}))
        self.assertEqual(caught.exception.step, "settings")
        self.assertEqual(
            caught.exception.message,
            "the harness settings are malformed: timeoutSeconds must be a positive number or null",
        )

    def test_deep_params_are_refused_without_a_recursion_error(self):
        deep = []
        for _ in range(5000):
            deep = [deep]
        found = problem_of(case_value(CASES["settings"], {"set": {"params": {"x": deep}}}), "settings")
        self.assertIn("is nested too deeply", found.message)


def setup_message(call):
    """The harness's one-line message for a failing call, or None when it passes."""
    try:
        call()
    except SetupError as error:
        return error.message
    return None


class SharedChecks(unittest.TestCase):
    def assert_verdict(self, message, problem):
        if problem is None:
            self.assertIsNone(message)
        elif "messageStart" in problem:
            self.assertIsNotNone(message)
            self.assertTrue(message.startswith(problem["messageStart"]), message)
            self.assertTrue(message.endswith("; " + problem["hint"]), message)
        else:
            self.assertEqual(message, "%s; %s" % (problem["message"], problem["hint"]))

    def test_notebook_files(self):
        for case in CASES["notebooks"]["cases"]:
            with self.subTest(case["name"]):
                text = case["text"] if "text" in case else json.dumps(case["notebook"])
                message = setup_message(lambda: load_notebook(text.encode("utf-8"), "nb.ipynb"))
                self.assert_verdict(message, case["problem"])

    def test_params_against_the_notebook(self):
        for case in CASES["params"]["notebook"]:
            with self.subTest(case["name"]):
                tags = ["parameters"] if case["parametersCell"] else []
                nb = {"nbformat": 4, "cells": [{"cell_type": "code", "metadata": {"tags": tags}, "source": ""}]}
                message = setup_message(lambda: inject_parameters(nb, case["params"], "nb.ipynb"))
                self.assert_verdict(message, case["problem"])

    def test_params_against_the_args(self):
        for case in CASES["params"]["args"]:
            with self.subTest(case["name"]):
                message = setup_message(lambda: render_args(case["args"], case["params"]))
                self.assert_verdict(message, case["problem"])


class WrittenManifest(unittest.TestCase):
    def test_the_manifest_the_harness_writes_has_the_contract_shape(self):
        with tempfile.TemporaryDirectory() as working:
            os.makedirs(os.path.join(working, "out"))
            with open(os.path.join(working, "out", "a.txt"), "w") as f:
                f.write("abc")
            started = time.monotonic()
            state = {
                "nonce": "n",
                "exitCode": 1,
                "error": "the program failed",
                "failedStep": "program",
                "acceleratorAsked": "none",
                "acceleratorSeen": {"kind": "none", "names": [], "count": 0},
                "codeHashes": {},
                "stepStarted": started,
                "stepSeconds": {"settings": 0.001},
                "programSeconds": 0.5,
                "items": [{"id": "a", "exitCode": 1, "seconds": 0.5, "error": "boom"}],
            }
            ctx = RunContext()
            write_manifest(ctx, working, state, "2026-01-01T00:00:00Z", started)
            with open(os.path.join(working, "kaggle-run-manifest.json"), encoding="utf-8") as f:
                manifest = json.load(f)
        check(manifest, "manifest")
        self.assertEqual([f["path"] for f in manifest["files"]], ["out/a.txt"])


if __name__ == "__main__":
    unittest.main()
