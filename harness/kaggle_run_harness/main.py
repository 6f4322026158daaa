"""The run: each step in order, the manifest always, the exit code."""

import json
import os
import sys
import time

from .accelerator import check_accelerator
from .context import RunContext
from .errors import SETUP_EXIT, SetupError, TERMINATED_EXIT, TIMEOUT_EXIT, Terminated
from .files import LOG_FILE, PARAMS_FILE, iso_now, python_version, write_atomic
from .inputs import inputs_env
from .manifest import write_manifest
from .params import render_args
from .processes import ignore_signals, install_signal_handlers
from .requirements import install_requirements
from .script import program_env, run_script
from .settings import read_settings
from .unpack import unpack
from .user_secrets import load_env_file, load_secrets
from .warm_program import discard, discard_unused, take_warm_program


def folder_from_env(name, default):
    value = os.environ.get(name, "").strip()
    return os.path.abspath(value or default)


def enter_step(state, step):
    """Starts `step`, adding the time since the last step began to that step's seconds: the
    manifest says where the session's time went."""
    now = time.monotonic()
    spent = state["stepSeconds"]
    spent[state["step"]] = round(spent.get(state["step"], 0.0) + now - state["stepStarted"], 3)
    state["step"] = step
    state["stepStarted"] = now


def process_age():
    """Seconds since this process started (the interpreter's start and the harness's imports,
    before main), from /proc; None where there is no /proc."""
    try:
        with open("/proc/self/stat", "rb") as f:
            # The command name, in parentheses, may hold spaces: count fields after it.
            fields = f.read().rsplit(b")", 1)[1].split()
        with open("/proc/uptime", "rb") as f:
            uptime = float(f.read().split()[0])
        return max(0.0, round(uptime - int(fields[19]) / float(os.sysconf("SC_CLK_TCK")), 3))
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def started_warm():
    """True when this process was started ahead and handed the session later: a server's
    spare runs the harness's script with exec() from its _kaggle_run_boot function. Its age
    is then how long it waited, not the session's start."""
    frame = sys._getframe()
    while frame is not None:
        if frame.f_code.co_name == "_kaggle_run_boot":
            return True
        frame = frame.f_back
    return False


def run_steps(ctx, state, input_dir, working, started, encoded):
    settings, code_b64 = read_settings(*encoded)
    state["nonce"] = settings["nonce"]
    state["dropUnchangedCode"] = settings.get("dropUnchangedCode") is True
    state["acceleratorAsked"] = settings["accelerator"]
    ctx.out.line("start nonce=%s run=%s" % (settings["nonce"], settings["runId"]))
    ctx.out.line("python %s at %s" % (python_version(), sys.executable))
    argv = render_args(settings["args"], settings["params"])
    # Only a script's program, and only where no pip runs: an install may add what a start
    # loads (a .pth file), which an interpreter started before it has not seen. Decided now,
    # so an interpreter nobody will use does not wait through the steps before the program.
    warm = take_warm_program()
    if (
        settings.get("batch") is not None
        or settings["kind"] == "notebook"
        or settings["requirements"] is not None
    ):
        discard(warm)
        warm = None
    timeout = settings["timeoutSeconds"]
    deadline = None if timeout is None else started + float(timeout)

    enter_step(state, "accelerator")
    check_accelerator(ctx, settings, state)
    ctx.inputs_env.update(inputs_env(input_dir))
    # Before the code: a git clone may need a token from the secrets.
    enter_step(state, "env-file")
    ctx.program_vars.update(load_env_file(ctx, settings, input_dir))
    enter_step(state, "secrets")
    ctx.program_vars.update(load_secrets(ctx, settings))
    enter_step(state, "unpack")
    state["codeHashes"] = unpack(ctx, settings, code_b64, input_dir, working, deadline, state)
    enter_step(state, "requirements")
    install_requirements(ctx, settings, input_dir, working, deadline, state)

    enter_step(state, "program")
    program_started = time.monotonic()
    try:
        # Batches and notebooks import their modules only when a run has one: the harness's
        # own start stays short.
        if settings.get("batch") is not None:
            from .batch import run_batch

            run_batch(ctx, settings, input_dir, working, deadline, state)
            return
        params_path = os.path.join(working, PARAMS_FILE)
        write_atomic(
            params_path,
            (json.dumps(settings["params"], indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
        )
        env = program_env(ctx, settings, input_dir, working, params_path)
        if settings["kind"] == "notebook":
            from .notebook_run import run_notebook

            run_notebook(ctx, settings, env, working, deadline, state)
        else:
            run_script(
                ctx, settings, argv, dict(os.environ, **env), working, deadline, state, warm
            )
    finally:
        # The program's own time (all items of a batch), apart from the harness's: a host
        # tells its model's seconds from the session's overhead.
        state["programSeconds"] = round(time.monotonic() - program_started, 3)


def main(settings_b64, code_b64, own_file=None):
    """Runs the harness; returns the exit code. The arguments are the renderer's two literals
    and the harness's own file (None when it runs without one)."""
    ctx = RunContext(own_file)
    started = time.monotonic()
    started_at = iso_now()
    input_dir = folder_from_env("KAGGLE_RUN_INPUT_DIR", "/kaggle/input")
    working = folder_from_env("KAGGLE_RUN_WORKING_DIR", "/kaggle/working")
    state = {
        "nonce": "",
        "exitCode": None,
        "error": None,
        "failedStep": None,
        "step": "settings",
        "acceleratorAsked": "",
        "acceleratorSeen": {"kind": "none", "names": [], "count": 0},
        "codeHashes": {},
        "stepStarted": started,
        "stepSeconds": {},
    }
    # A warm start paid the interpreter's start before the session: no `python` step then.
    age = None if started_warm() else process_age()
    if age is not None:
        state["stepSeconds"]["python"] = age
    try:
        os.makedirs(working, exist_ok=True)
        os.chdir(working)
    except OSError as error:
        ctx.out.line("error: cannot use the working folder %s: %s" % (working, error), "stderr")
        return SETUP_EXIT
    ctx.out.open_log(os.path.join(working, LOG_FILE))
    install_signal_handlers(ctx)
    code = SETUP_EXIT
    try:
        try:
            run_steps(ctx, state, input_dir, working, started, (settings_b64, code_b64))
            code = state["exitCode"] if state["exitCode"] is not None else SETUP_EXIT
        except SetupError as error:
            state["failedStep"] = error.step
            state["error"] = error.message
            code = TIMEOUT_EXIT if error.step == "timeout" else SETUP_EXIT
            ctx.out.line("error: %s" % error.message, "stderr")
        except (Terminated, KeyboardInterrupt) as error:
            state["failedStep"] = state["failedStep"] or state["step"]
            state["error"] = "the run was stopped (%s) during step %s" % (
                error.args[0] if error.args else "SIGINT",
                state["step"],
            )
            code = TERMINATED_EXIT
            ctx.out.line("error: %s" % state["error"], "stderr")
        except Exception as error:  # a bug in the harness: say so, with the traceback
            import traceback

            state["failedStep"] = state["failedStep"] or state["step"]
            state["error"] = "internal error in the kaggle-run harness: %s: %s" % (
                type(error).__name__,
                error,
            )
            code = SETUP_EXIT
            ctx.out.write("stderr", traceback.format_exc().encode("utf-8", "replace"))
            ctx.out.line("error: %s" % state["error"], "stderr")
    finally:
        # From here on a stop request waits: the manifest is what brings the outputs back.
        ignore_signals()
        discard_unused()
        # The log is complete before the manifest hashes it; later lines reach the console only.
        ctx.out.write("stdout", b"", flush=True)  # what the masking held back (notebook output)
        ctx.out.write("stderr", b"", flush=True)
        ctx.out.close_log()
        enter_step(state, "manifest")
        try:
            count = write_manifest(ctx, working, state, started_at, started)
            ctx.out.line("manifest: %d output files" % count, to_log=False)
        except Exception as error:
            ctx.out.line("error: cannot write the manifest: %s" % error, "stderr", to_log=False)
            if code == 0:
                code = SETUP_EXIT
    ctx.out.line("end exit=%d nonce=%s" % (code, state["nonce"]), to_log=False)
    return code


def shut_down_quickly():
    """Does what the interpreter's shutdown would do that anyone could see, where that is
    all it would do: runs the handlers registered at exit (a sitecustomize or .pth file run
    by `site` may have added one, a coverage tool saving its data) and flushes the streams.
    False, having done nothing, where a thread would be waited for or CPython's atexit is
    not there to ask."""
    import atexit
    import threading

    run_handlers = getattr(atexit, "_run_exitfuncs", None)
    main_thread = threading.main_thread()
    if run_handlers is None or any(
        t is not main_thread and not t.daemon for t in threading.enumerate()
    ):
        return False
    try:
        run_handlers()
    except BaseException:
        # Python 3.8 and 3.9 raise the last failing handler's error again (SystemExit too)
        # after printing it; the shutdown only prints it and keeps the exit code.
        pass
    sys.stdout.flush()
    sys.stderr.flush()
    return True


def run_as_script(settings_b64, code_b64, own_file):
    """The harness as a kernel's program: runs it and ends the process with its exit code."""
    exit_code = main(settings_b64, code_b64, own_file)
    # The children are dead and the manifest is written: the rest of the interpreter's
    # shutdown would only free memory, 10-15 ms at the end of every session. Skipped but for
    # its handlers (shut_down_quickly) where no nbclient ran (its kernel manager cleans up at
    # exit); skipped whole for a notebook stopped mid-run, where an interrupted nbclient's
    # handlers would only add noise.
    notebook = "kaggle_run_harness.notebook_run" in sys.modules
    if notebook and exit_code == TERMINATED_EXIT:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(exit_code)
    if not notebook and shut_down_quickly():
        os._exit(exit_code)
    sys.exit(exit_code)
