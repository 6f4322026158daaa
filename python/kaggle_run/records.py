"""Typed views of what the CLI prints: the run record (``run --json``, ``show --json``), its
output files, and a batch's result (``run --batch ... --json``).

Every class keeps the document it was read from in ``raw``, so fields this version does not
name are still there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass(frozen=True)
class OutputFile:
    """One fetched output: its path under the run's output folder, size and sha256."""

    path: str
    size: int
    sha256: str

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "OutputFile":
        return cls(path=data["path"], size=int(data["size"]), sha256=data["sha256"])


@dataclass(frozen=True)
class RunFailure:
    """Why a run ended badly: ``kind`` is program, platform, timeout, usage or interrupted."""

    kind: str
    message: str


@dataclass(frozen=True)
class RunRecord:
    """A run as ``.kaggle-run/runs/<runId>/run.json`` records it."""

    run_id: str
    job: str
    platform: str
    status: str
    exit_code: Optional[int]
    params: Dict[str, Any]
    kernel: Optional[str]
    version: Optional[int]
    code_hash: Optional[str]
    started_at: Optional[str]
    ended_at: Optional[str]
    output_dir: str
    outputs: List[OutputFile]
    accelerator: str
    accelerator_seen: Optional[Dict[str, Any]]
    python_version: Optional[str]
    warnings: List[str]
    error: Optional[RunFailure]
    raw: Dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "RunRecord":
        error = data.get("error")
        return cls(
            run_id=data["runId"],
            job=data.get("job", ""),
            platform=data.get("platform", ""),
            status=data["status"],
            exit_code=data.get("exitCode"),
            params=dict(data.get("params") or {}),
            kernel=data.get("kernel"),
            version=data.get("version"),
            code_hash=data.get("codeHash"),
            started_at=data.get("startedAt"),
            ended_at=data.get("endedAt"),
            output_dir=data.get("outputDir", ""),
            outputs=[OutputFile.from_json(o) for o in data.get("outputs") or []],
            accelerator=data.get("accelerator", "none"),
            accelerator_seen=data.get("acceleratorSeen"),
            python_version=data.get("pythonVersion"),
            warnings=list(data.get("warnings") or []),
            error=None if not error else RunFailure(error["kind"], error["message"]),
            raw=data,
        )

    @property
    def ok(self) -> bool:
        return self.status == "complete" and self.exit_code == 0

    def path(self, output: str) -> str:
        """The local path of one output (a path as listed in ``outputs``)."""
        names = {o.path for o in self.outputs}
        if output not in names:
            raise KeyError("%s is not among the outputs of run %s: %s" % (
                output, self.run_id, ", ".join(sorted(names)) or "none"))
        return os.path.join(self.output_dir, *output.split("/"))


@dataclass(frozen=True)
class BatchItem:
    """How one input item of a batch ended: status ok, error or missing."""

    id: str
    status: str
    exit_code: Optional[int]
    seconds: Optional[float]
    chunk: int
    run_id: Optional[str]
    error: Optional[str]
    files: int

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "BatchItem":
        return cls(
            id=data["id"],
            status=data["status"],
            exit_code=data.get("exitCode"),
            seconds=data.get("seconds"),
            chunk=int(data["chunk"]),
            run_id=data.get("runId"),
            error=data.get("error"),
            files=int(data.get("files") or 0),
        )


@dataclass(frozen=True)
class BatchResult:
    """A batch (or sweep): each session's run record and, for a batch, each item's end."""

    sweep_id: str
    exit_code: int
    makespan_seconds: float
    #: One run record per session (None for a point that never started: skipped).
    points: List[Optional[RunRecord]]
    items: List[BatchItem]
    output_dir: Optional[str]
    raw: Dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "BatchResult":
        return cls(
            sweep_id=data["sweepId"],
            exit_code=int(data["exitCode"]),
            makespan_seconds=float(data.get("makespanSeconds") or 0),
            points=[
                RunRecord.from_json(p) if p.get("runId") else None
                for p in data.get("points") or []
            ],
            items=[BatchItem.from_json(i) for i in data.get("items") or []],
            output_dir=data.get("outputDir"),
            raw=data,
        )

    def item_dir(self, item_id: str) -> str:
        """Where a batch item's outputs were merged: ``<output dir>/items/<id>``."""
        if self.output_dir is None:
            raise ValueError("this result names no output folder")
        return os.path.join(self.output_dir, "items", item_id)
