"""Finding the kaggle-run CLI and running it.

Looked for, in order: the ``cli`` argument, ``KAGGLE_RUN_CLI``, ``kaggle-run`` on ``PATH``, the
npm package this Python package ships in (``<package>/python/kaggle_run`` beside
``<package>/bin/kaggle-run.js``), and ``node_modules/.bin/kaggle-run`` in the current folder
or one above it. A ``.js`` path runs with ``node`` (``KAGGLE_RUN_NODE``, else ``node`` on PATH).
"""

import os
import shutil

from .errors import CliNotFound

HERE = os.path.dirname(os.path.abspath(__file__))


def _blank(value):
    return value is None or value.strip() == ""


def _package_bin():
    """bin/kaggle-run.js of the npm package (or checkout) holding this Python package."""
    candidate = os.path.join(HERE, os.pardir, os.pardir, "bin", "kaggle-run.js")
    return os.path.normpath(candidate) if os.path.isfile(candidate) else None


def _node_modules_bin(start):
    folder = os.path.abspath(start)
    while True:
        for name in ("kaggle-run", os.path.join("kaggle-run", "bin", "kaggle-run.js")):
            base = ".bin" if name == "kaggle-run" else ""
            path = os.path.join(folder, "node_modules", base, name)
            if os.path.isfile(path):
                return path
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _command_for(path, where):
    if not os.path.isfile(path):
        raise CliNotFound(
            "the kaggle-run CLI named by %s does not exist: %s" % (where, path),
            hint="point it at bin/kaggle-run.js of a kaggle-run install, or at a kaggle-run executable",
        )
    if not path.endswith(".js"):
        return [path]
    node = os.environ.get("KAGGLE_RUN_NODE")
    node = shutil.which("node") if _blank(node) else node
    if node is None:
        raise CliNotFound(
            "%s needs Node.js, and no `node` is on PATH" % path,
            hint="install Node.js >= 20.19, or set KAGGLE_RUN_NODE to its path",
        )
    return [node, path]


def find_cli(cli=None, cwd=None):
    """The command (a list: executable and arguments) that runs kaggle-run."""
    if cli is not None:
        return _command_for(os.fspath(cli), "cli=")
    env = os.environ.get("KAGGLE_RUN_CLI")
    if not _blank(env):
        return _command_for(env.strip(), "KAGGLE_RUN_CLI")
    on_path = shutil.which("kaggle-run")
    if on_path is not None:
        return [on_path]
    for path in (_package_bin(), _node_modules_bin(cwd or os.getcwd())):
        if path is not None:
            return _command_for(path, "the npm package")
    raise CliNotFound(
        "cannot find the kaggle-run CLI",
        hint="`npm install -g kaggle-run`, or set KAGGLE_RUN_CLI to its bin/kaggle-run.js",
    )
