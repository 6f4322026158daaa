"""The wheel cache for the requirements: the first session of a set of requirements keeps
the wheels it installed in the working folder (saved with the session's output, left out of
the manifest); a later session given them as an input installs from them with no index."""

import os
import shutil
import sys

from .contract import CONTRACT
from .processes import run_streaming

# The folder under the working dir, and the file in it naming the cache's key (requirements
# and image) and the interpreter's version: wheels kept for other requirements, or built for
# another Python (an image pinned to "latest" moves on), are never installed from.
WHEELS_FOLDER = CONTRACT["files"]["wheels"]
KEY_FILE = "key.txt"
# Wheels past this size are not kept: the session's output would carry them on every run.
CAP_BYTES = 2 * 1024**3


def key_line(key):
    """What KEY_FILE holds: the cache's key and the Python the wheels were built for."""
    return "%s python%d.%d" % (key, sys.version_info[0], sys.version_info[1])


def candidate_folders(input_dir, rel):
    """`rel` under the input dir and, for another kernel's output (notebooks/<owner>/<slug>/
    ...), the same folder in the older flat layout some sessions get (<slug>/...)."""
    parts = rel.split("/")
    folders = [os.path.join(input_dir, *parts)]
    if len(parts) > 3 and parts[0] == "notebooks":
        folders.append(os.path.join(input_dir, *parts[2:]))
    return folders


def cached_wheels(ctx, cache, input_dir):
    """The folder of wheels kept for `cache["key"]` under the input dir, or None."""
    if cache is None or cache.get("from") is None:
        return None
    for folder in candidate_folders(input_dir, cache["from"]):
        try:
            with open(os.path.join(folder, KEY_FILE), encoding="utf-8") as handle:
                kept = handle.read().strip()
        except OSError:
            continue
        if kept != key_line(cache["key"]):
            ctx.out.line(
                "the wheel cache at %s is for other requirements or another Python (%s)"
                % (cache["from"], kept)
            )
            return None
        return folder
    ctx.out.line("no wheel cache at %s; installing the requirements as usual" % cache["from"])
    return None


def build_wheel_cache(ctx, key, install_cmd, env, working, deadline):
    """`pip wheel` for the requirements just installed, into WHEELS_FOLDER; a failure only
    warns (the run goes on, the next session installs as usual and tries again). True when
    the wheels were kept."""
    final = os.path.join(working, WHEELS_FOLDER)
    partial = final + ".partial"
    for path in (final, partial):
        shutil.rmtree(path, ignore_errors=True)
    # The install's own options and requirements file, so its indexes and links apply.
    cmd = install_cmd[:3] + ["wheel"] + install_cmd[4:] + ["--wheel-dir", partial]
    ctx.out.line("keeping the wheels of the requirements for the next session (%s)" % key)
    try:
        code, timed_out = run_streaming(ctx, cmd, env, working, deadline)
    except OSError as error:
        code, timed_out = "(%s)" % error, False
    problem = None
    if timed_out:
        problem = "it ran past the job's timeout"
    elif code != 0:
        problem = "pip wheel exited with code %s" % code
    else:
        size = folder_bytes(partial)
        if size > CAP_BYTES:
            problem = "the wheels take %d MiB, over the %d MiB kept" % (
                size // 1024**2,
                CAP_BYTES // 1024**2,
            )
    if problem is not None:
        shutil.rmtree(partial, ignore_errors=True)
        ctx.out.line("warning: no wheel cache kept: %s" % problem, "stderr")
        return False
    with open(os.path.join(partial, KEY_FILE), "w", encoding="utf-8") as handle:
        handle.write(key_line(key) + "\n")
    os.rename(partial, final)
    return True


def folder_bytes(folder):
    total = 0
    for parent, _dirs, names in os.walk(folder):
        for name in names:
            try:
                total += os.lstat(os.path.join(parent, name)).st_size
            except OSError:
                pass
    return total
