"""The calls a host program makes: run a job (or iterate its events), attach to a run,
list or copy its outputs, run a batch. Each builds a kaggle-run command line, runs it, and
turns its JSON into typed records and its exit code into a typed exception."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional

from .cli import find_cli
from .errors import Interrupted, KaggleRunError, PlatformError, error_for_exit
from .events import Event, parse_event_line
from .process import CliProcess, is_error_document, raise_for_error_document, read_document
from .records import BatchResult, OutputFile, RunRecord

_EVENTS_SUPPORT: Dict[tuple, bool] = {}


def param_text(name: str, value: Any) -> str:
    """A typed param as `-p` takes it (the CLI gives it the declared param's type)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return value
    raise TypeError(
        "param %r must be a string, number, boolean or None, not %s" % (name, type(value).__name__)
    )


def run_args(
    project: str = ".",
    params: Optional[Mapping[str, Any]] = None,
    profile: Optional[str] = None,
    kaggle: bool = False,
    local: bool = False,
    endpoint: Optional[str] = None,
    accelerator: Optional[str] = None,
    gpu: bool = False,
    device: Optional[str] = None,
    entry: Optional[str] = None,
    timeout: Optional[str] = None,
    code: Optional[str] = None,
    git_commit: bool = False,
    outputs: Optional[Iterable[str]] = None,
    output_files: Optional[Mapping[str, str]] = None,
    data: Optional[Mapping[str, str]] = None,
    output_dir: Optional[str] = None,
    new: bool = False,
    queue_timeout: Optional[str] = None,
    extra_args: Iterable[str] = (),
) -> List[str]:
    """The `kaggle-run run` arguments for these options (the same names as the flags)."""
    args = ["run", os.fspath(project)]
    for name, value in (params or {}).items():
        args += ["-p", "%s=%s" % (name, param_text(name, value))]
    flags = {
        "--profile": profile,
        "--endpoint": endpoint,
        "--accelerator": accelerator,
        "--device": device,
        "--entry": entry,
        "--timeout": None if timeout is None else str(timeout),
        "--code": code,
        "--output-dir": None if output_dir is None else os.fspath(output_dir),
        "--queue-timeout": None if queue_timeout is None else str(queue_timeout),
    }
    for flag, value in flags.items():
        if value is not None:
            args += [flag, value]
    switches = {"--kaggle": kaggle, "--local": local, "--gpu": gpu, "--git-commit": git_commit, "--new": new}
    args += [flag for flag, on in switches.items() if on]
    for glob in outputs or ():
        args += ["--output", glob]
    # {remote: local}: one output at an exact path, the run failing without it.
    for remote, local in (output_files or {}).items():
        args += ["--output-file", "%s=%s" % (remote, os.fspath(local))]
    # {slug: path}: a file or folder attached as input/<slug> for this run only.
    for slug, path in (data or {}).items():
        args += ["--data", "%s=%s" % (slug, os.fspath(path))]
    return args + list(extra_args)


def supports_events(command: List[str]) -> bool:
    """Whether this CLI has `run --events` (asked once per CLI)."""
    key = tuple(command)
    if key not in _EVENTS_SUPPORT:
        proc = CliProcess(command, ["run", "--help"], wait_timeout=60)
        text = "".join(line for _stream, line in proc.messages())
        proc.finish()
        _EVENTS_SUPPORT[key] = "--events" in text
    return _EVENTS_SUPPORT[key]


class _NoEventsFlag(Exception):
    """The CLI refused `--events` (it predates it): the run did not start."""


# How a CLI that predates --events refuses it (commander's message), before doing anything.
_UNKNOWN_EVENTS = "unknown option '--events'"


def _stream_or_json(command, args, cwd, env, wait_timeout, on_stderr) -> Iterator[Event]:
    """`--events`, falling back to `--json` for a CLI that refuses the flag. Tried rather than
    asked beforehand: asking (`run --help`) cost every host call a CLI start of its own."""
    key = tuple(command)
    if _EVENTS_SUPPORT.get(key) is not False:
        try:
            for event in _stream_events(command, args, cwd, env, wait_timeout, on_stderr):
                _EVENTS_SUPPORT[key] = True
                yield event
            return
        except _NoEventsFlag:
            _EVENTS_SUPPORT[key] = False
    yield from _json_events(command, args, cwd, env, wait_timeout, on_stderr)


def _stream_events(command, args, cwd, env, wait_timeout, on_stderr) -> Iterator[Event]:
    """Events from `--events`; the last is `done`, or an `error` line raised as its class."""
    proc = CliProcess(command, args + ["--events"], cwd=cwd, env=env, wait_timeout=wait_timeout)
    run_id = None
    done = None
    # stderr lines before the first event are held: a CLI refusing --events says so there.
    held: Optional[List[str]] = []
    try:
        for stream, line in proc.messages():
            if stream == "stderr":
                # kaggle-run's own lines (the log is in the events); kept in the tail too
                if held is not None:
                    held.append(line)
                elif on_stderr is not None:
                    on_stderr(line)
                continue
            event = parse_event_line(line)
            if event is None:
                continue
            if held is not None:
                for early in held if on_stderr is not None else ():
                    on_stderr(early)
                held = None
            run_id = event.run_id or run_id
            if event.type == "error":
                proc.finish()
                raise_for_error_document(event.data, 1, proc.stderr_text(), run_id)
            if event.type == "done":
                done = event
            yield event
    except KaggleRunError as error:
        error.run_id = error.run_id or run_id
        raise
    finally:
        if proc.proc.poll() is None:  # the caller stopped iterating (or Ctrl-C in its loop)
            proc.interrupt()
    code = proc.finish()
    if held is not None and any(_UNKNOWN_EVENTS in line for line in held):
        raise _NoEventsFlag()
    for early in held if held is not None and on_stderr is not None else ():
        on_stderr(early)
    if done is None:
        raise error_for_exit(
            code if code != 0 else 3,
            "kaggle-run ended (exit %d) without a done event" % code,
            run_id=run_id,
            stderr=proc.stderr_text(),
        )
    _raise_for_record(done.record, code, proc.stderr_text())


def _json_events(command, args, cwd, env, wait_timeout, _on_stderr) -> Iterator[Event]:
    """The same events from `--json`: stderr lines as `log` events, the record as `done`."""
    proc = CliProcess(command, args + ["--json"], cwd=cwd, env=env, wait_timeout=wait_timeout)
    stdout = []
    try:
        for stream, line in proc.messages():
            if stream == "stdout":
                stdout.append(line)
            else:
                yield Event("log", {"stream": "stderr", "text": line})
    finally:
        if proc.proc.poll() is None:  # the caller stopped iterating (or Ctrl-C in its loop)
            proc.interrupt()
    code = proc.finish()
    doc = read_document("".join(stdout), "the run", proc.stderr_text())
    if is_error_document(doc):
        raise_for_error_document(doc, code, proc.stderr_text())
    event = Event("done", {"record": doc})
    yield event
    _raise_for_record(event.record, code, proc.stderr_text())


def _raise_for_record(record: Optional[RunRecord], code: int, stderr: str) -> None:
    if code == 0:
        return
    message = (
        record.error.message
        if record is not None and record.error is not None
        else "run %s ended %s" % (record.run_id if record else "?", record.status if record else "badly")
    )
    raise error_for_exit(
        code, message, run_id=None if record is None else record.run_id, record=record, stderr=stderr
    )


def events(
    project: str = ".",
    *,
    cli: Optional[str] = None,
    cwd: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    wait_timeout: Optional[float] = None,
    on_stderr: Optional[Callable[[str], None]] = None,
    **options: Any,
) -> Iterator[Event]:
    """Runs the job and yields its events; the last one is ``done`` (``event.record``).
    A run that fails raises after its ``done`` event (ProgramError, TimeoutError, ...).
    ``on_stderr`` gets kaggle-run's own progress lines (``[kaggle-run] ...``)."""
    command = find_cli(cli, cwd)
    args = run_args(project, **options)
    return _stream_or_json(command, args, cwd, dict(env or {}), wait_timeout, on_stderr)


def _show_log(event: Event) -> None:
    out = sys.stderr if event.stream == "stderr" else sys.stdout
    out.write(event.text)
    out.flush()


def _show_stderr(line: str) -> None:
    sys.stderr.write(line)
    sys.stderr.flush()


def _drive(stream: Iterator[Event], on_event, quiet: bool, check: bool) -> RunRecord:
    record = None
    run_id = None
    try:
        for event in stream:
            run_id = event.run_id or run_id
            if on_event is not None:
                on_event(event)
            elif event.type == "log" and not quiet:
                _show_log(event)
            if event.type == "done":
                record = event.record
    except KeyboardInterrupt:  # in a callback, between two events: stop the CLI first
        stream.close()
        raise Interrupted(
            "interrupted; a Kaggle run goes on: pick it up with kaggle_run.attach(run_id)",
            run_id=run_id,
        )
    except KaggleRunError as error:
        if check or error.record is None:
            raise
        return error.record
    if record is None:
        raise PlatformError("kaggle-run ended without a run record")
    return record


def run(
    project: str = ".",
    *,
    on_event: Optional[Callable[[Event], None]] = None,
    quiet: bool = False,
    check: bool = True,
    **options: Any,
) -> RunRecord:
    """Runs the job in ``project`` and waits: returns its ``RunRecord``.

    Options are the flags of ``kaggle-run run``: ``params={"lr": 0.01}``, ``profile``,
    ``kaggle=True``, ``endpoint``, ``accelerator`` / ``gpu=True`` / ``device``, ``entry``,
    ``timeout``, ``code``, ``git_commit``, ``outputs=[globs]``,
    ``output_files={remote: local}``, ``data={slug: path}``, ``output_dir``, ``new``,
    ``queue_timeout``, ``extra_args``; and ``cli``, ``cwd``, ``env``, ``wait_timeout``.
    The program's log goes to this process's stdout/stderr unless ``quiet`` or an
    ``on_event`` callback takes every event. A failed run raises (``check=False``: its
    record is returned instead, when it has one).
    """
    if not quiet and on_event is None:
        options.setdefault("on_stderr", _show_stderr)
    return _drive(events(project, **options), on_event, quiet, check)


def _json_command(cli, cwd, env, args, what, wait_timeout=None, on_stderr=None):
    proc = CliProcess(find_cli(cli, cwd), args, cwd=cwd, env=dict(env or {}), wait_timeout=wait_timeout)
    stdout = []
    for stream, line in proc.messages():
        if stream == "stdout":
            stdout.append(line)
        elif on_stderr is not None:
            on_stderr(line)
    stdout = "".join(stdout)
    code = proc.finish()
    doc = read_document(stdout, what, proc.stderr_text())
    if is_error_document(doc):
        raise_for_error_document(doc, code, proc.stderr_text())
    return doc, code, proc.stderr_text()


def attach(
    run_id: str,
    *,
    project: str = ".",
    cli: Optional[str] = None,
    cwd: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    wait_timeout: Optional[float] = None,
    check: bool = True,
) -> RunRecord:
    """Picks up a run whose process stopped (``detach``, Ctrl-C, a crash): follows it to
    its end, fetches and verifies its outputs, returns its record."""
    args = ["attach", run_id, "--dir", os.fspath(project), "--json"]
    doc, code, stderr = _json_command(cli, cwd, env, args, "attach", wait_timeout)
    record = RunRecord.from_json(doc)
    if check:
        _raise_for_record(record, code, stderr)
    return record


def detach(project: str = ".", **options: Any) -> str:
    """Pushes the job to Kaggle and returns its run id at once (``attach`` it later)."""
    cli, cwd, env = options.pop("cli", None), options.pop("cwd", None), options.pop("env", None)
    args = run_args(project, **options) + ["--detach", "--json"]
    doc, _code, _stderr = _json_command(cli, cwd, env, args, "the detached run")
    return doc["runId"]


def show(run_id: str = "last", *, project: str = ".", cli=None, cwd=None, env=None) -> RunRecord:
    """A run's record as stored (``last``, a run id, or a unique part of one)."""
    doc, _code, _stderr = _json_command(
        cli, cwd, env, ["show", run_id, "--dir", os.fspath(project), "--json"], "show"
    )
    return RunRecord.from_json(doc)


def outputs(
    run_id: str = "last",
    *,
    project: str = ".",
    globs: Iterable[str] = (),
    dest: Optional[str] = None,
    cli=None,
    cwd=None,
    env=None,
) -> List[OutputFile]:
    """A run's outputs (those matching ``globs``); with ``dest``, copies them there, each
    checked against its recorded sha256."""
    args = ["outputs", run_id, "--dir", os.fspath(project), "--json"]
    for glob in globs:
        args += ["--glob", glob]
    if dest is not None:
        args += ["--dest", os.fspath(dest)]
    doc, _code, _stderr = _json_command(cli, cwd, env, args, "outputs")
    return [OutputFile.from_json(o) for o in doc]


def _last_line(text: Optional[str]) -> str:
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def run_batch(
    project: str = ".",
    *,
    file: Optional[str] = None,
    per_session: Optional[int] = None,
    mode: Optional[str] = None,
    max_parallel: Optional[int] = None,
    cli: Optional[str] = None,
    cwd: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    wait_timeout: Optional[float] = None,
    check: bool = True,
    quiet: bool = False,
    **options: Any,
) -> BatchResult:
    """Runs the job's batch (``file``: a .jsonl/.csv of items, over ``batch.file``) and
    returns every item's end. ``mode="loop"`` hands each session's items to one run of the
    program. A batch with failed or missing items raises unless ``check=False``. The
    sessions' logs (each line prefixed with its chunk) go to stderr unless ``quiet``."""
    args = run_args(project, **options)
    if file is not None:
        args += ["--batch", os.fspath(file)]
    if per_session is not None:
        args += ["--per-session", str(per_session)]
    if mode is not None:
        args += ["--batch-mode", mode]
    if max_parallel is not None:
        args += ["--max-parallel", str(max_parallel)]
    doc, code, stderr = _json_command(
        cli, cwd, env, args + ["--json"], "the batch", wait_timeout, None if quiet else _show_stderr
    )
    result = BatchResult.from_json(doc)
    if check and code != 0:
        bad = [i for i in result.items if i.status != "ok"]
        detail = "; ".join("%s: %s" % (i.id, _last_line(i.error) or i.status) for i in bad[:5])
        raise error_for_exit(code, "batch %s: %d of %d items not ok%s" % (
            result.sweep_id, len(bad), len(result.items), " (%s)" % detail if detail else ""),
            run_id=result.sweep_id, stderr=stderr)
    return result
