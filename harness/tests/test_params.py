"""How the harness writes param values: into the injected cell, argv and the environment."""

import json
import math
import unittest

from kaggle_run_harness.errors import SetupError
from kaggle_run_harness.notebook_file import inject_parameters, python_literal
from kaggle_run_harness.params import param_text
from kaggle_run_harness.settings import check_settings

VALUES = {
    "big": 2**53 + 1,
    "bigger": 12345678901234567890,
    "negative": -(2**70),
    "one_float": 1.0,
    "negative_zero": -0.0,
    "tiny": 1e-300,
    "huge": 1e300,
    "nan": float("nan"),
    "inf": float("inf"),
    "ninf": float("-inf"),
    "text": "it's \"\"\"tricky\"\"\" \\ '''\nline2",
    "unicode": "héllo ✓ 日本 🎉",
    "none": None,
    "yes": True,
    "no": False,
    "list": [1, 2.0, "three", None, [float("nan")]],
    "dict": {"a": {"b": [1, {"c": float("inf")}]}, "é": False},
    "héllo": "identifier",
}


def same(a, b):
    """Equal with the exact type, nan equal to nan, and -0.0 told from 0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


class PythonLiteral(unittest.TestCase):
    def test_every_value_round_trips_exactly(self):
        for name, value in VALUES.items():
            with self.subTest(name=name):
                text = python_literal(value)
                self.assertTrue(same(eval(text, {"__builtins__": {"float": float}}), value), text)

    def test_papermill_spelling_of_non_finite_floats(self):
        self.assertEqual(python_literal(float("nan")), "float('nan')")
        self.assertEqual(python_literal(float("-inf")), "float('-inf')")


class InjectedCell(unittest.TestCase):
    def notebook(self):
        return {
            "nbformat": 4,
            "nbformat_minor": 5,
            "cells": [
                {"cell_type": "code", "id": "a", "metadata": {"tags": ["parameters"]}, "source": "x = 1", "outputs": [], "execution_count": None},
                {"cell_type": "code", "id": "injected-parameters", "metadata": {}, "source": "old", "outputs": [], "execution_count": None},
            ],
        }

    def test_cell_after_parameters_defines_every_value(self):
        nb = self.notebook()
        inject_parameters(nb, VALUES)
        cell = nb["cells"][1]
        self.assertEqual(cell["metadata"]["tags"], ["injected-parameters"])
        self.assertNotEqual(cell["id"], "injected-parameters")  # that id was taken
        scope = {}
        exec(cell["source"], {}, scope)
        for name, value in VALUES.items():
            self.assertTrue(same(scope[name], value), name)

    def test_old_injected_cells_are_replaced(self):
        nb = self.notebook()
        nb["cells"][1]["metadata"]["tags"] = ["injected-parameters"]
        inject_parameters(nb, {"x": 2})
        self.assertEqual(len(nb["cells"]), 2)
        self.assertEqual(nb["cells"][1]["source"], "# Parameters\nx = 2\n")

    def test_keywords_are_refused(self):
        with self.assertRaises(SetupError) as caught:
            inject_parameters(self.notebook(), {"class": 1, "a-b": 2})
        self.assertIn('"class", "a-b" cannot be Python variables', caught.exception.message)


class ArgvText(unittest.TestCase):
    def test_numbers(self):
        cases = [
            (3, "3"),
            (12345678901234567890, "12345678901234567890"),
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.25, "0.25"),
            (1e-7, "1e-7"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (float("nan"), "nan"),
            (float("-inf"), "-inf"),
        ]
        for value, text in cases:
            with self.subTest(value=value):
                self.assertEqual(param_text(value), text)

    def test_lists_and_dicts_are_json(self):
        self.assertEqual(param_text([1, "é"]), '[1, "é"]')
        self.assertEqual(param_text(None), "")
        self.assertEqual(param_text(True), "true")


class Settings(unittest.TestCase):
    def settings(self, params):
        return {
            "version": 1, "runId": "r", "nonce": "n", "entry": "a.ipynb", "kind": "notebook",
            "accelerator": "none", "args": [], "params": params, "acceleratorKind": "none",
            "strictAccelerator": False, "requirements": None, "code": {"mode": "inline"},
            "secrets": [], "envFile": None, "timeoutSeconds": None, "batch": None,
        }

    def test_nested_values_and_non_finite_floats_are_accepted(self):
        text = '{"a": [1, {"b": NaN}], "c": 12345678901234567890, "d": 1.0, "e": -Infinity}'
        params = json.loads(text)
        check_settings(self.settings(params))
        self.assertIs(type(params["d"]), float)
        self.assertEqual(params["c"], 12345678901234567890)

    def test_params_env_keeps_types_with_python_json(self):
        env = json.dumps({"a": float("nan"), "b": 1.0, "c": 2**64})
        self.assertEqual(env, '{"a": NaN, "b": 1.0, "c": 18446744073709551616}')


if __name__ == "__main__":
    unittest.main()
