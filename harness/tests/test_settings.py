"""Reading the settings literals and the argv templates."""

import base64
import json
import unittest

from kaggle_run_harness.errors import SetupError
from kaggle_run_harness.params import render_args
from kaggle_run_harness.settings import read_settings


def settings(**overrides):
    s = {
        "version": 1, "runId": "r", "nonce": "n", "entry": "a.py", "kind": "script",
        "accelerator": "none", "args": [], "params": {}, "acceleratorKind": "none",
        "strictAccelerator": False, "requirements": None, "code": {"mode": "inline"},
        "secrets": [], "envFile": None, "timeoutSeconds": None, "batch": None,
    }
    s.update(overrides)
    return base64.b64encode(json.dumps(s).encode("utf-8")).decode("ascii")


class ReadSettings(unittest.TestCase):
    def test_the_template_without_settings_says_what_it_is(self):
        with self.assertRaises(SetupError) as caught:
            read_settings(None, "")
        self.assertIn("the template kaggle-run renders", caught.exception.message)

    def test_settings_and_code_come_back(self):
        parsed, code = read_settings(settings(params={"lr": 0.1}), "UEsF")
        self.assertEqual(parsed["params"], {"lr": 0.1})
        self.assertEqual(code, "UEsF")

    def test_a_newer_version_is_refused_by_name(self):
        with self.assertRaises(SetupError) as caught:
            read_settings(settings(version=2), "")
        self.assertIn("settings version 2 is not supported", caught.exception.message)


class Args(unittest.TestCase):
    def test_names_are_replaced_and_doubled_dollars_stay_literal(self):
        out = render_args(["--lr=${lr}", "$${lr}", "${n}"], {"lr": 0.5, "n": 3})
        self.assertEqual(out, ["--lr=0.5", "${lr}", "3"])

    def test_an_unknown_name_is_a_settings_error_naming_it(self):
        with self.assertRaises(SetupError) as caught:
            render_args(["${epochs}"], {"lr": 1})
        self.assertIn("unknown param ${epochs}; define it under params (known: lr)", caught.exception.message)
        self.assertIn("write $${...} for a literal", caught.exception.message)


if __name__ == "__main__":
    unittest.main()
