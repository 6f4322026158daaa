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
