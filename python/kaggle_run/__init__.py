"""kaggle-run from Python: run a project's script or notebook locally, on Kaggle or on a
``kaggle-run server``, and get a typed run record back.

    import kaggle_run
    record = kaggle_run.run(".", params={"epochs": 1}, kaggle=True, gpu=True)
    for event in kaggle_run.events(".", kaggle=True): ...

Standard library only; it drives the ``kaggle-run`` CLI (see ``find_cli``).
"""

from .cli import find_cli
from .client import attach, detach, events, outputs, run, run_batch, show
from .errors import (
    CliNotFound,
    Interrupted,
    KaggleRunError,
    PlatformError,
    ProgramError,
    TimeoutError,
    UsageError,
)
from .events import Event
from .records import BatchItem, BatchResult, OutputFile, RunFailure, RunRecord

__version__ = "0.1.0"

__all__ = [
    "BatchItem",
    "BatchResult",
    "CliNotFound",
    "Event",
    "Interrupted",
    "KaggleRunError",
    "OutputFile",
    "PlatformError",
    "ProgramError",
    "RunFailure",
    "RunRecord",
    "TimeoutError",
    "UsageError",
    "attach",
    "detach",
    "events",
    "find_cli",
    "outputs",
    "run",
    "run_batch",
    "show",
]
