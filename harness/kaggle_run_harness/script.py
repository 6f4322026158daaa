"""Running a script entry, and the KAGGLE_RUN_* environment every program sees."""

import json
import signal
import sys
import time

from .errors import SetupError, TIMEOUT_EXIT
from .params import number_text
from .processes import exit_code_of, run_streaming, signal_name


def program_env(ctx, settings, input_dir, working, params_path):
    """The KAGGLE_RUN_* variables the program sees (also set in-process for notebooks). A
    program interpreter started ahead (warm_program.py) knows which of them no start-up
    reads: PROGRAM_VARS in src/platform/local/spare-wrapper.ts names them."""
    env = {
        "KAGGLE_RUN_PARAMS": json.dumps(settings["params"]),
        "KAGGLE_RUN_PARAMS_FILE": params_path,
        "KAGGLE_RUN_ID": settings["runId"],
        "KAGGLE_RUN_NONCE": settings["nonce"],
        "KAGGLE_RUN_INPUT_DIR": input_dir,
        "KAGGLE_RUN_WORKING_DIR": working,
        "PYTHONUNBUFFERED": "1",
    }
    env.update(ctx.inputs_env)
    for name, value in ctx.program_vars.items():
        env.setdefault(name, value)  # the secrets and the env file; ours win on a clash
    if settings["acceleratorKind"] == "none":
        env["CUDA_VISIBLE_DEVICES"] = ""  # hides any GPU, as a CPU session on Kaggle has none
    return env


def run_script(ctx, settings, argv, env, working, deadline, state, warm=None):
    entry = settings["entry"]
    # Python would read an entry named "-x.py" as an option.
    cmd = [sys.executable, "-u", "./" + entry if entry.startswith("-") else entry] + argv
    # argv as JSON: one line whatever the values hold (newlines, quotes).
    ctx.out.line("running %s, args %s" % (settings["entry"], json.dumps(argv, ensure_ascii=False)))
    started = time.monotonic()
    try:
        returncode, timed_out = run_streaming(ctx, cmd, env, working, deadline, warm=warm)
    except OSError as error:
        raise SetupError("program", "cannot start the program: %s" % error)
    took = time.monotonic() - started
    if timed_out:
        state.update(exitCode=TIMEOUT_EXIT, failedStep="timeout")
        state["error"] = "the program ran past the job's timeout of %s s and was stopped" % (
            number_text(settings["timeoutSeconds"]),
        )
        ctx.out.line(state["error"], "stderr")
        return
    code = exit_code_of(returncode)
    state["exitCode"] = code
    if returncode < 0:
        state["failedStep"] = "program"
        state["error"] = "the program was killed by %s%s" % (
            signal_name(-returncode),
            " (out of memory?)" if -returncode == signal.SIGKILL else "",
        )
        ctx.out.line(state["error"], "stderr")
    elif code != 0:
        state["failedStep"] = "program"
        ctx.out.line("the program exited with code %d after %.1f s" % (code, took))
    else:
        ctx.out.line("the program finished after %.1f s" % took)
