"""The requirements step: pip install into the session's interpreter."""

import json
import os
import sys
import tempfile

from .errors import SetupError, TIMEOUT_EXIT
from .processes import run_streaming
from .code_files import member_path
from .wheel_cache import build_wheel_cache, cached_wheels

# pip's last lines kept in the failure message (the whole output is in the log above it).
TAIL_LINES = 30


def install_requirements(ctx, settings, input_dir, working, deadline, state):
    req = settings["requirements"]
    if req is None:
        return
    cmd = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-input"]
    cleanup = []
    if "file" in req:
        try:
            rel = member_path(req["file"])
        except SetupError:
            rel = ""
        path = os.path.join(working, *rel.split("/")) if rel else ""
        if not rel or not os.path.isfile(path):
            raise SetupError(
                "requirements",
                "the requirements file %s is not in the code; add it to the packed files or "
                "fix `requirements`" % json.dumps(req["file"]),
            )
        cmd += ["-r", path]
        ctx.out.line("installing requirements: pip install -r %s" % rel)
    else:
        if not req["packages"]:
            return
        # Each entry is a line of a requirements file (`-e .`, `pkg --hash=...`, markers), as
        # the client checked it: pip reads them from one, never as single arguments.
        handle, listed_file = tempfile.mkstemp(prefix="kaggle-run-requirements-", suffix=".txt")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write("".join(line + "\n" for line in req["packages"]))
        cleanup.append(listed_file)
        cmd += ["-r", listed_file]
        ctx.out.line("installing requirements: %s" % "; ".join(req["packages"]))
    env = dict(os.environ)
    env.setdefault("PIP_ROOT_USER_ACTION", "ignore")  # Kaggle runs as root; the warning is noise
    try:
        if install_from_cache(ctx, settings, input_dir, cmd, env, working, deadline, state):
            return
        tail = bytearray()
        try:
            code, timed_out = run_streaming(ctx, cmd, env, working, deadline, tail)
        except OSError as error:
            raise SetupError("requirements", "cannot run pip: %s" % error)
        check_install(ctx, state, code, timed_out, tail)
        cache = settings.get("wheelCache")
        if cache is not None:
            kept = build_wheel_cache(ctx, cache["key"], cmd, env, working, deadline)
            # The manifest says so: the client remembers which run's output holds the wheels.
            state["wheelCache"] = {"key": cache["key"], "installedFrom": "index", "kept": kept}
    finally:
        for path in cleanup:
            try:
                os.unlink(path)
            except OSError:
                pass


def install_from_cache(ctx, settings, input_dir, cmd, env, working, deadline, state):
    """Installs from the wheels a previous session kept, with no index; False where there
    are none for these requirements or pip could not install from them (a normal install
    follows, and builds the cache again)."""
    cache = settings.get("wheelCache")
    folder = cached_wheels(ctx, cache, input_dir)
    if folder is None:
        return False
    ctx.out.line("installing requirements from the wheel cache %s (no index)" % cache["key"])
    offline = cmd[:4] + ["--no-index", "--find-links", folder] + cmd[4:]
    tail = bytearray()
    try:
        code, timed_out = run_streaming(ctx, offline, env, working, deadline, tail)
    except OSError as error:
        raise SetupError("requirements", "cannot run pip: %s" % error)
    if code == 0 or timed_out:
        check_install(ctx, state, code, timed_out, tail)
        state["wheelCache"] = {"key": cache["key"], "installedFrom": "cache", "kept": False}
        return True
    ctx.out.line(
        "warning: installing from the wheel cache failed (pip exited with code %d); "
        "installing the requirements as usual" % code,
        "stderr",
    )
    return False


def check_install(ctx, state, code, timed_out, tail):
    if timed_out:
        state["exitCode"] = TIMEOUT_EXIT
        raise SetupError("timeout", "installing the requirements ran past the job's timeout")
    if code != 0:
        raise SetupError(
            "requirements",
            "installing the requirements failed (pip exited with code %d); pip's last lines:\n%s"
            % (code, last_lines(ctx, tail)),
        )


def last_lines(ctx, tail, count=TAIL_LINES):
    """pip's last non-blank lines, masked as the log is, each indented."""
    text = ctx.mask.text(tail.decode("utf-8", "replace"))
    lines = [line.rstrip() for line in text.replace("\r", "\n").split("\n") if line.strip()]
    return "\n".join("  " + line for line in lines[-count:])
