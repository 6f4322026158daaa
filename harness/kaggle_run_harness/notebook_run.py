"""Running a notebook with nbclient: live output, saves as it goes, named failures."""

import json
import math
import os
import shutil
import signal
import sys
import tempfile
import time
import importlib.util

from .errors import SetupError, TIMEOUT_EXIT, Terminated
from .files import write_atomic
from .notebook_file import (
    add_error_markers,
    cell_name,
    executed_path,
    exit_status,
    finish_record,
    first_line,
    inject_parameters,
    is_clean_exit,
    join_multiline,
    load_notebook,
    notebook_language,
    notebook_positions,
    plain_text,
    prepare_cells,
    record_run,
)
from .params import number_text
from .processes import install_signal_handlers, kill_group
from .startup import ensure_site


# Seconds between saves of the executed notebook while one cell keeps producing output.
SAVE_EVERY = 30.0

# A Unix socket's path must fit in sun_path (108 bytes on Linux, with its final NUL); the
# kernel's sockets are named PREFIX-N, N up to five digits.
SOCKET_PATH_MAX = 100


def save_interval():
    """SAVE_EVERY, or KAGGLE_RUN_NOTEBOOK_SAVE_SECONDS where the session sets another (> 0)."""
    text = os.environ.get("KAGGLE_RUN_NOTEBOOK_SAVE_SECONDS", "").strip()
    try:
        value = float(text)
    except ValueError:
        return SAVE_EVERY
    return value if value > 0 and math.isfinite(value) else SAVE_EVERY


def show_message(ctx, msg):
    """Prints one kernel output message as it arrives (tracebacks as plain text)."""
    kind = msg.get("msg_type")
    content = msg.get("content") or {}
    if kind == "stream":
        name = "stderr" if content.get("name") == "stderr" else "stdout"
        ctx.out.write(name, str(content.get("text", "")).encode("utf-8", "replace"))
    elif kind == "error":
        text = plain_text("\n".join(content.get("traceback") or []))
        ctx.out.write("stderr", (text + "\n").encode("utf-8", "replace"))
    elif kind == "execute_result":
        text = (content.get("data") or {}).get("text/plain")
        if text:
            ctx.out.write("stdout", (str(text) + "\n").encode("utf-8", "replace"))


def kernel_config(kernels):
    """The kernel's transport: Unix sockets in the run's own folder where the path fits.
    Over TCP, Jupyter picks free ports in this process and the kernel binds them later, so
    another process (a second run starting a kernel beside this one) can take a port in
    between and the kernel dies with "Address already in use" before any cell runs. Socket
    files in a private folder cannot be taken that way."""
    from traitlets.config import Config

    prefix = os.path.join(kernels, "kernel")
    if len(prefix.encode()) + 6 > SOCKET_PATH_MAX:
        return Config()  # a very long TMPDIR: TCP on loopback, as Jupyter does by default
    return Config({"KernelManager": {"transport": "ipc", "ip": prefix}})


def kernel_pid(client):
    km = getattr(client, "km", None)
    provisioner = getattr(km, "provisioner", None)
    process = getattr(provisioner, "process", None) or getattr(km, "kernel", None)
    pid = getattr(process, "pid", None)
    return pid if isinstance(pid, int) else None


def run_notebook(ctx, settings, env, working, deadline, state):
    entry = settings["entry"]
    path = os.path.join(working, *entry.split("/"))
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise SetupError("notebook", "%s cannot be read: %s" % (entry, error))
    nb = load_notebook(data, entry)
    if notebook_language(nb) is None:
        ctx.out.line("note: %s names no kernel language; running it as Python" % entry)
    join_multiline(nb)
    prepare_cells(nb)
    inject_parameters(nb, settings["params"], entry)
    saved = executed_path(working, entry)
    record_run(nb, settings, entry, os.path.relpath(saved, working).replace(os.sep, "/"))
    ensure_site()  # nbclient is in site-packages
    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    except ImportError as error:
        raise SetupError(
            "notebook",
            "running a notebook needs nbclient and ipykernel, which %s cannot import (%s); "
            "install them: `%s -m pip install nbclient ipykernel`"
            % (sys.executable, error, sys.executable),
        )
    if importlib.util.find_spec("ipykernel") is None:
        raise SetupError(
            "notebook",
            "running a notebook needs ipykernel, which %s cannot import; install it: "
            "`%s -m pip install ipykernel`" % (sys.executable, sys.executable),
        )

    node = nbformat.from_dict(nb)
    positions = notebook_positions(node.cells)
    code_cells = [i for i, c in enumerate(node.cells) if c.get("cell_type") == "code"]
    progress = {"index": None, "saved": 0.0}
    save_every = save_interval()

    def save():
        progress["saved"] = time.monotonic()
        save_notebook(ctx, nbformat, node, saved)

    class HarnessClient(NotebookClient):
        """Shows outputs and progress live, saves the notebook as it goes, and keeps the
        kernel's process group known for a stop."""

        def output(self, outs, msg, *args, **kwargs):
            try:
                show_message(ctx, msg)
            except Exception:  # showing is best effort; the notebook keeps every output
                pass
            result = NotebookClient.output(self, outs, msg, *args, **kwargs)
            if time.monotonic() - progress["saved"] >= save_every:
                save()  # a long cell's output so far survives a kill
            return result

        async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
            pid = kernel_pid(self)
            if pid is not None:
                ctx.live_groups.add(pid)
                state["kernelPid"] = pid
                # nbclient swapped in its own SIGTERM handler; ours also kills the kernel's
                # group and reports the stop as a stop, as for a script.
                install_signal_handlers(ctx)
            if cell.get("cell_type") != "code":
                return await NotebookClient.async_execute_cell(
                    self, cell, cell_index, *args, **kwargs
                )
            progress["index"] = cell_index
            label = "cell %d/%d" % (code_cells.index(cell_index) + 1, len(code_cells))
            line = first_line(cell.get("source", ""))
            ctx.out.line("%s: %s" % (label, line) if line else label)
            save()
            began = time.monotonic()
            try:
                return await NotebookClient.async_execute_cell(
                    self, cell, cell_index, *args, **kwargs
                )
            finally:
                ctx.out.line("%s took %.1f s" % (label, time.monotonic() - began))
                save()

    # A kernel spec that runs this very interpreter, whatever kernels are installed.
    kernels = tempfile.mkdtemp(prefix="kaggle-run-kernel-")
    spec_dir = os.path.join(kernels, "kernels", "python3")
    os.makedirs(spec_dir)
    with open(os.path.join(spec_dir, "kernel.json"), "w") as f:
        json.dump(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (kaggle-run)",
                "language": "python",
            },
            f,
        )
    os.environ.update(env)
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (kernels, os.environ.get("JUPYTER_PATH", "")) if p
    )
    # ipykernel's debugger otherwise warns about frozen modules on every start.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    folder = os.path.dirname(path)
    if folder != working:
        # Jupyter would start in the notebook's folder; the run starts in the working dir, so
        # modules beside the notebook stay importable this way.
        os.environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (folder, os.environ.get("PYTHONPATH", "")) if p
        )

    def cell_timeout(_cell):
        if deadline is None:
            return None
        return max(1, int(math.ceil(deadline - time.monotonic())))

    client = HarnessClient(
        node,
        kernel_name="python3",
        timeout_func=cell_timeout,
        startup_timeout=120,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": working}},
        config=kernel_config(kernels),
    )
    ctx.out.line("running notebook %s (%d code cells)" % (entry, len(code_cells)))
    started = time.monotonic()
    ctx.stop_raises = False
    failed_at = None
    try:
        try:
            client.execute()
        finally:
            if ctx.stop_requested is not None:
                raise Terminated(ctx.stop_requested)
        state["exitCode"] = 0
        ctx.out.line("the notebook finished after %.1f s" % (time.monotonic() - started))
    except CellTimeoutError:
        state.update(exitCode=TIMEOUT_EXIT, failedStep="timeout")
        state["error"] = "the notebook ran past the job's timeout of %s s and was stopped%s" % (
            number_text(settings["timeoutSeconds"]),
            " in %s" % cell_name(node, positions, code_cells, progress["index"])
            if progress["index"] is not None
            else "",
        )
        ctx.out.line(state["error"], "stderr")
    except CellExecutionError as error:
        ename = getattr(error, "ename", "Error")
        evalue = str(getattr(error, "evalue", ""))
        where = cell_name(node, positions, code_cells, progress["index"])
        if is_clean_exit(ename, evalue):
            state["exitCode"] = 0
            ctx.out.line(
                "the notebook ended with SystemExit(%s) in %s after %.1f s; the cells after it "
                "did not run" % (evalue.strip(), where, time.monotonic() - started)
            )
        else:
            failed_at = progress["index"]
            state.update(exitCode=exit_status(ename, evalue), failedStep="program")
            state["error"] = "%s failed: %s: %s" % (where, ename, evalue.strip()[:500])
            ctx.out.line(state["error"], "stderr")
    except DeadKernelError as error:
        state.update(exitCode=1, failedStep="program")
        state["error"] = "the notebook's kernel died (out of memory?)%s: %s" % (
            " in %s" % cell_name(node, positions, code_cells, progress["index"])
            if progress["index"] is not None
            else "",
            error,
        )
        ctx.out.line(state["error"], "stderr")
    except Terminated:
        raise
    except Exception as error:  # kernel start failures and the like: the run failed, say why
        state.update(exitCode=1, failedStep="program")
        state["error"] = "the notebook could not run: %s: %s" % (type(error).__name__, error)
        ctx.out.line(state["error"], "stderr")
    finally:
        ctx.stop_raises = True
        pid = state.pop("kernelPid", None)
        if pid is not None:
            kill_group(pid, signal.SIGKILL)  # whatever the kernel left behind
            ctx.live_groups.discard(pid)
        if ctx.stop_requested is None:
            install_signal_handlers(ctx)  # nbclient's own handlers replaced ours while it ran
        finish_record(node, state, positions, failed_at)
        if failed_at is not None:
            add_error_markers(node, failed_at)
        save_notebook(ctx, nbformat, node, saved, final=True)
        shutil.rmtree(kernels, ignore_errors=True)


def save_notebook(ctx, nbformat, node, path, final=False):
    """Writes the executed notebook atomically in nbformat's normal form (lists of lines,
    sorted keys, one-space indent)."""
    try:
        text = nbformat.v4.writes(node)
    except Exception:  # a quirk must not cost the user the executed notebook
        text = json.dumps(node, indent=1, sort_keys=True, ensure_ascii=False)
    if not text.endswith("\n"):
        text += "\n"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_atomic(path, text.encode("utf-8"))
        if final:
            ctx.out.line("saved the executed notebook as %s" % os.path.basename(path))
    except OSError as error:
        ctx.out.line("warning: cannot save the executed notebook: %s" % error, "stderr")
