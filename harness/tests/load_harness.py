"""Imports harness/harness.py as a module (importing it runs nothing: main() is guarded)."""

import importlib.util
import os

HARNESS_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "harness.py")


def load():
    spec = importlib.util.spec_from_file_location("kaggle_run_harness", HARNESS_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


harness = load()
