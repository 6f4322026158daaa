"""Batches in per-item mode: the entry runs once per item, new files go to items/<id>/."""

import json
import os
import stat
import time

from .batch_loop import run_batch_loop
from .errors import SetupError, TIMEOUT_EXIT
from .items import ITEMS_DIR, StderrTail
from .files import LOG_FILE, MANIFEST_FILE, PARAMS_FILE, working_entries, write_atomic
from .notebook_run import run_notebook
from .params import number_text, render_args
from .script import program_env, run_script


def snapshot_files(working, skip):
    """Relative path -> (size, mtime, inode) of each file an item may have written."""
    files = {}
    for rel, _full, info in working_entries(working, skip, skip_top=(ITEMS_DIR,)):
        if stat.S_ISREG(info.st_mode):
            files[rel] = (info.st_size, info.st_mtime_ns, info.st_ino)
    return files


def move_item_outputs(ctx, working, before, item_id, skip):
    """Moves every file that is new or changed since `before` into items/<id>/."""
    moved = 0
    for rel, seen in sorted(snapshot_files(working, skip).items()):
        if before.get(rel) == seen:
            continue
        dest = os.path.join(working, ITEMS_DIR, item_id, *rel.split("/"))
        try:
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            os.replace(os.path.join(working, *rel.split("/")), dest)
            moved += 1
        except OSError as error:
            ctx.out.line("warning: cannot move %s into %s/%s/: %s" % (rel, ITEMS_DIR, item_id, error))
    return moved


def batch_skip(ctx, working, state):
    """What is never an item's output: the harness's own files and the unpacked code."""
    skip = {MANIFEST_FILE, LOG_FILE, PARAMS_FILE}
    skip.update(state["codeHashes"].keys())
    own = ctx.own_file
    if isinstance(own, str):
        skip.add(os.path.abspath(own))
    return skip


def run_item(ctx, settings, item, where, input_dir, working, deadline, skip, results):
    item_id = item["id"]
    params = dict(settings["params"])
    params.update(item["params"])
    item_settings = dict(settings, params=params)
    ctx.out.line("item %s (%s)" % (item_id, where))
    before = snapshot_files(working, skip)
    params_path = os.path.join(working, PARAMS_FILE)
    write_atomic(
        params_path, (json.dumps(params, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    )
    env = program_env(ctx, item_settings, input_dir, working, params_path)
    env["KAGGLE_RUN_ITEM_ID"] = item_id
    state = {"exitCode": None, "error": None, "failedStep": None}
    tail = StderrTail(ctx.out)
    started = time.monotonic()
    try:
        with tail:
            try:
                if settings["kind"] == "notebook":
                    run_notebook(ctx, item_settings, env, working, deadline, state)
                else:
                    argv = render_args(settings["args"], params)
                    full_env = dict(os.environ, **env)
                    run_script(ctx, item_settings, argv, full_env, working, deadline, state)
            except SetupError as error:
                state.update(failedStep=error.step, error=error.message)
                ctx.out.line("error: %s" % error.message, "stderr")
    finally:
        # Also when the run is stopped mid-item: what it wrote so far is its own.
        seconds = round(time.monotonic() - started, 3)
        move_item_outputs(ctx, working, before, item_id, skip)
        code = state["exitCode"]
        error = None
        if code != 0:
            error = state["error"] or tail.text() or (
                "the program exited with code %d" % code if code is not None else "stopped"
            )
        results.append(
            {
                "id": item_id,
                "exitCode": code,
                "seconds": seconds,
                "error": None if error is None else ctx.mask.text(error),
            }
        )
    if code == 0:
        ctx.out.line("item %s ok after %.1f s" % (item_id, seconds))
    else:
        last = (error or "").splitlines()
        ctx.out.line("item %s failed: %s" % (item_id, last[-1] if last else ""), "stderr")
    return state["failedStep"] == "timeout"


def run_batch(ctx, settings, input_dir, working, deadline, state):
    """Runs the entry once per item. Exit 0 when every item succeeded, 1 when any failed
    (all of them ran), 124 when the job's timeout stopped the batch before its end."""
    if settings["batch"].get("mode") == "loop":
        run_batch_loop(ctx, settings, input_dir, working, deadline, state)
        return
    items = settings["batch"]["items"]
    skip = batch_skip(ctx, working, state)
    results = []
    state["items"] = results
    timed_out = False
    for n, item in enumerate(items):
        if deadline is not None and time.monotonic() >= deadline:
            timed_out = True
        if timed_out:
            break
        where = "%d/%d" % (n + 1, len(items))
        timed_out = run_item(ctx, settings, item, where, input_dir, working, deadline, skip, results)
    failed = [r["id"] for r in results if r["exitCode"] != 0]
    if timed_out:
        state.update(exitCode=TIMEOUT_EXIT, failedStep="timeout")
        state["error"] = "the job's timeout of %s s stopped the batch after %d of %d items" % (
            number_text(settings["timeoutSeconds"]),
            len(results),
            len(items),
        )
    elif failed:
        state.update(exitCode=1, failedStep="program")
        state["error"] = "%d of %d items failed: %s%s" % (
            len(failed),
            len(items),
            ", ".join(failed[:10]),
            ", ..." if len(failed) > 10 else "",
        )
    else:
        state["exitCode"] = 0
    ctx.out.line(
        state["error"] or "batch: %d of %d items succeeded" % (len(items), len(items)),
        "stderr" if state["error"] else "stdout",
    )
