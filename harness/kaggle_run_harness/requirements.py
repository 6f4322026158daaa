"""The requirements step: pip install into the session's interpreter."""

import json
import os
import shlex
import sys

from .errors import SetupError, TIMEOUT_EXIT
from .processes import run_streaming
from .code_files import member_path


def install_requirements(ctx, settings, working, deadline, state):
    req = settings["requirements"]
    if req is None:
        return
    cmd = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-input"]
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
        cmd += list(req["packages"])
        listed = " ".join(shlex.quote(p) for p in req["packages"])
        ctx.out.line("installing requirements: pip install %s" % listed)
    env = dict(os.environ)
    env.setdefault("PIP_ROOT_USER_ACTION", "ignore")  # Kaggle runs as root; the warning is noise
    try:
        code, timed_out = run_streaming(ctx, cmd, env, working, deadline)
    except OSError as error:
        raise SetupError("requirements", "cannot run pip: %s" % error)
    if timed_out:
        state["exitCode"] = TIMEOUT_EXIT
        raise SetupError("timeout", "installing the requirements ran past the job's timeout")
    if code != 0:
        raise SetupError(
            "requirements",
            "installing the requirements failed (pip exited with code %d); see pip's output above"
            % code,
        )
