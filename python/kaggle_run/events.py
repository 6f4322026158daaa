"""The events of one run, as ``kaggle-run run --events`` prints them (one JSON object a line,
``{"v": 1, "type": ..., ...}``), or as they are rebuilt from ``--json`` output by a CLI that
has no ``--events``: then the log comes as ``log`` events from stderr and the record as the
``done`` event."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from .records import RunRecord

EVENTS_VERSION = 1


@dataclass(frozen=True)
class Event:
    """One event: ``type`` (resolved, packed, warning, shipped, shipped-git, pushed,
    attached, status, log, fetching, output, done) and its fields in ``data``."""

    type: str
    data: Dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    @property
    def text(self) -> str:
        """A ``log`` event's text (stdout or stderr of the program, as it streamed)."""
        return self.data.get("text", "")

    @property
    def stream(self) -> str:
        return self.data.get("stream", "stdout")

    @property
    def run_id(self) -> Optional[str]:
        if "runId" in self.data:
            return self.data["runId"]
        record = self.data.get("record")
        return record.get("runId") if isinstance(record, dict) else None

    @property
    def record(self) -> Optional[RunRecord]:
        """The run record of a ``done`` event."""
        raw = self.data.get("record")
        return RunRecord.from_json(raw) if isinstance(raw, dict) else None


def parse_event_line(line: str) -> Optional[Event]:
    """An event from one ``--events`` line; None for a blank line."""
    import json

    line = line.strip()
    if not line:
        return None
    doc = json.loads(line)
    if not isinstance(doc, dict) or not isinstance(doc.get("type"), str):
        raise ValueError("not a kaggle-run event: %r" % line[:200])
    if doc.get("v") != EVENTS_VERSION:
        raise ValueError(
            "kaggle-run events version %r; this client reads version %d" % (doc.get("v"), EVENTS_VERSION)
        )
    data = {k: v for k, v in doc.items() if k not in ("v", "type")}
    return Event(doc["type"], data)
