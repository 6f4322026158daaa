"""Unit tests of the harness's modules, imported as `kaggle_run_harness` (they live beside tests/)."""

import os
import sys

HARNESS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if HARNESS_DIR not in sys.path:
    sys.path.insert(0, HARNESS_DIR)
