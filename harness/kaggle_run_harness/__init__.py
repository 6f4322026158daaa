"""The kaggle-run harness: the program a kernel runs around the user's code.

Standard library only. scripts/assemble-harness.mjs packs these modules into the one file a
kernel runs (dist/harness/harness.py); main.main() is where a run starts.
"""
