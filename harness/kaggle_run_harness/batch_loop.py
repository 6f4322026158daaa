"""Batches in loop mode: the entry runs once and iterates the session's items."""

import json
import os
import tempfile

from .items import ITEMS_DIR, StderrTail
from .errors import SetupError, TIMEOUT_EXIT
from .files import PARAMS_FILE, write_atomic
from .notebook_run import run_notebook
from .params import number_text, render_args
from .script import program_env, run_script


ITEMS_HELPER_MODULE = "kaggle_run_items"
# The module a loop-mode program imports (written beside the items file, on PYTHONPATH). Its
# result lines are how the harness learns each item's end; without it, an item counts as done
# when the program wrote items/<id>/ and exited 0.
ITEMS_HELPER = r'''"""Items of a kaggle-run batch in loop mode (written by the harness for this session).

    from kaggle_run_items import items
    model = load_model()              # once per session
    for item in items():              # item.id, item.params, item.dir (items/<id>/)
        with item:                    # a failing item is recorded and the loop goes on
            synthesize(model, item.params["text"], item.path("speech.wav"))
"""
import json
import os
import sys
import time
import traceback

ROOT = os.environ.get("KAGGLE_RUN_ITEMS_DIR", "items")


class Item(object):
    def __init__(self, data, n, total):
        self.id = data["id"]
        self.params = data["params"]
        self.dir = os.path.join(ROOT, self.id)
        self.n = n
        self.total = total
        self.started = None
        self.done = False

    def path(self, *parts):
        """A path inside this item's folder, its parent folders created."""
        full = os.path.join(self.dir, *parts)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        return full

    def start(self):
        if self.started is None:
            self.started = time.monotonic()
            os.makedirs(self.dir, exist_ok=True)
            sys.stderr.write("[kaggle-run] item %s (%d/%d)\n" % (self.id, self.n, self.total))
            sys.stderr.flush()

    def finish(self, error=None):
        if self.done:
            return
        self.done = True
        seconds = round(time.monotonic() - (self.started or time.monotonic()), 3)
        line = json.dumps({"id": self.id, "error": error, "seconds": seconds})
        with open(os.environ["KAGGLE_RUN_ITEM_RESULTS"], "a") as f:
            f.write(line + "\n")

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, kind, error, tb):
        if kind is not None and not issubclass(kind, Exception):
            return False  # Ctrl-C, SystemExit: the run stops
        message = None
        if kind is not None:
            traceback.print_exception(kind, error, tb)
            message = "".join(traceback.format_exception_only(kind, error)).strip()
        self.finish(message)
        return True


def items():
    """This session's items, in order; an item whose loop body ends normally is done."""
    path = os.environ.get("KAGGLE_RUN_ITEMS_FILE", "")
    if not path:
        raise RuntimeError(
            "KAGGLE_RUN_ITEMS_FILE is not set: run this program as a kaggle-run batch "
            "with mode loop (batch: {mode: loop} or --batch-mode loop)"
        )
    with open(path, encoding="utf-8") as f:
        data = [json.loads(line) for line in f if line.strip()]
    for n, entry in enumerate(data, 1):
        item = Item(entry, n, len(data))
        item.start()
        yield item
        item.finish()
'''


def read_item_results(path):
    """id -> {error, seconds} from the helper's result lines (the last line of an id wins)."""
    results = {}
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return results
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line cut short by a kill
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            results[entry["id"]] = entry
    return results


def write_loop_files(settings, working):
    """The items file and the helper module in a folder of their own; returns the env."""
    folder = tempfile.mkdtemp(prefix="kaggle-run-items-")
    items_file = os.path.join(folder, "items.jsonl")
    lines = []
    for item in settings["batch"]["items"]:
        params = dict(settings["params"])
        params.update(item["params"])
        lines.append(json.dumps({"id": item["id"], "params": params}, ensure_ascii=False))
    write_atomic(items_file, ("\n".join(lines) + "\n").encode("utf-8"))
    write_atomic(os.path.join(folder, ITEMS_HELPER_MODULE + ".py"), ITEMS_HELPER.encode("utf-8"))
    os.makedirs(os.path.join(working, ITEMS_DIR), exist_ok=True)
    return {
        "KAGGLE_RUN_ITEMS_FILE": items_file,
        "KAGGLE_RUN_ITEMS_DIR": os.path.join(working, ITEMS_DIR),
        "KAGGLE_RUN_ITEM_RESULTS": os.path.join(folder, "results.jsonl"),
        "PYTHONPATH": os.pathsep.join(p for p in (folder, os.environ.get("PYTHONPATH", "")) if p),
    }


def loop_item_results(ctx, items, reported, working, run_state, tail):
    """Each item's manifest entry; an item the program never reached is left out (missing)."""
    code = run_state["exitCode"]
    results = []
    for item in items:
        item_id = item["id"]
        seen = reported.get(item_id)
        if seen is not None:
            error = seen.get("error")
            seconds = seen.get("seconds")
            results.append(
                {
                    "id": item_id,
                    "exitCode": 0 if error is None else 1,
                    "seconds": seconds if isinstance(seconds, (int, float)) else None,
                    "error": None if error is None else ctx.mask.text(str(error)),
                }
            )
        elif os.path.isdir(os.path.join(working, ITEMS_DIR, item_id)):
            # Begun: done when the program ended well; else the program's failure is its own.
            error = None
            if code != 0:
                error = run_state["error"] or tail.text() or (
                    "the program exited with code %d" % code if code is not None else "stopped"
                )
            results.append(
                {
                    "id": item_id,
                    "exitCode": code,
                    "seconds": None,
                    "error": None if error is None else ctx.mask.text(error),
                }
            )
    return results


def loop_outcome(settings, items, results, run_state, state):
    """The session's exit code and error from its items and the program's own end."""
    failed = [r["id"] for r in results if r["exitCode"] != 0]
    missing = len(items) - len(results)
    code = run_state["exitCode"]
    if run_state["failedStep"] == "timeout":
        state.update(exitCode=TIMEOUT_EXIT, failedStep="timeout")
        state["error"] = "the job's timeout of %s s stopped the batch after %d of %d items" % (
            number_text(settings["timeoutSeconds"]),
            len(results) - len(failed),
            len(items),
        )
        return
    if code == 0 and not failed and not missing:
        state["exitCode"] = 0
        return
    state.update(exitCode=code if code not in (0, None) else 1, failedStep="program")
    parts = []
    if failed:
        parts.append(
            "%d of %d items failed: %s%s"
            % (len(failed), len(items), ", ".join(failed[:10]), ", ..." if len(failed) > 10 else "")
        )
    if missing:
        parts.append("%d of %d items not reached" % (missing, len(items)))
    if run_state["error"] and code != 0:
        parts.append(run_state["error"])
    state["error"] = "; ".join(parts) or "the program exited with code %s" % code


def run_batch_loop(ctx, settings, input_dir, working, deadline, state):
    """Runs the entry once; it iterates the items (KAGGLE_RUN_ITEMS_FILE, or the
    kaggle_run_items helper) and writes each item's outputs to items/<id>/. Exit 0 when every
    item ended well, 124 on the job's timeout, else the program's code or 1."""
    items = settings["batch"]["items"]
    params_path = os.path.join(working, PARAMS_FILE)
    write_atomic(
        params_path,
        (json.dumps(settings["params"], indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
    )
    env = program_env(ctx, settings, input_dir, working, params_path)
    env.update(write_loop_files(settings, working))
    ctx.out.line("batch: %d items in one run of %s" % (len(items), settings["entry"]))
    run_state = {"exitCode": None, "error": None, "failedStep": None}
    tail = StderrTail(ctx.out)
    with tail:
        try:
            if settings["kind"] == "notebook":
                run_notebook(ctx, settings, env, working, deadline, run_state)
            else:
                argv = render_args(settings["args"], settings["params"])
                run_script(ctx, settings, argv, dict(os.environ, **env), working, deadline, run_state)
        except SetupError as error:
            run_state.update(failedStep=error.step, error=error.message)
            ctx.out.line("error: %s" % error.message, "stderr")
    reported = read_item_results(env["KAGGLE_RUN_ITEM_RESULTS"])
    results = loop_item_results(ctx, items, reported, working, run_state, tail)
    state["items"] = results
    loop_outcome(settings, items, results, run_state, state)
    ctx.out.line(
        state["error"] or "batch: %d of %d items succeeded" % (len(items), len(items)),
        "stderr" if state["error"] else "stdout",
    )
