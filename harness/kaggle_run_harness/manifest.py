"""The manifest: every output file with its size and hash, written at the end."""

import json
import os
import stat
import time

from .files import (
    MANIFEST_FILE,
    PARAMS_FILE,
    iso_now,
    python_version,
    sha256_file,
    working_entries,
    write_atomic,
)
from .code_recycle import keep_copy, recycle_folder
from .wheel_cache import WHEELS_FOLDER


def list_outputs(ctx, working, code_hashes, skip, unchanged_code=None):
    files = []
    # The kept wheels are saved with the session's output for the next session, not listed.
    for rel, full, info in working_entries(working, skip, (WHEELS_FOLDER,)):
        try:
            rel.encode("utf-8")
        except UnicodeEncodeError:
            warning = "warning: skipping %r: its name is not UTF-8" % rel
            ctx.out.line(warning, "stderr", to_log=False)
            continue
        if not stat.S_ISREG(info.st_mode):
            continue  # links, fifos, sockets: not outputs
        try:
            sha256, size = sha256_file(full)
        except OSError as error:
            ctx.out.line("warning: skipping %s: %s" % (rel, error), "stderr", to_log=False)
            continue
        if code_hashes.get(rel) == sha256:
            if unchanged_code is not None:
                unchanged_code.append(full)
            continue  # unchanged code from the archive
        files.append({"path": rel, "size": size, "sha256": sha256})
    files.sort(key=lambda f: f["path"])
    return files


def write_manifest(ctx, working, state, started_at, started):
    skip = {MANIFEST_FILE, PARAMS_FILE}
    own = ctx.own_file
    if isinstance(own, str):
        skip.add(os.path.abspath(own))  # where a platform runs the harness from the working dir
    unchanged_code = []
    files = list_outputs(ctx, working, state["codeHashes"], skip, unchanged_code)
    if state.get("dropUnchangedCode"):
        # Before the manifest is written, so that its step time includes the deletions.
        drop_unchanged_code(working, unchanged_code, state.get("codeLinks", ()))
    if "stepSeconds" in state:
        # Listing and hashing the outputs (and dropping the unchanged code) is the manifest
        # step's time.
        state["stepSeconds"]["manifest"] = round(time.monotonic() - state["stepStarted"], 3)
    manifest = {
        "nonce": state["nonce"],
        "exitCode": state["exitCode"],
        "error": ctx.mask.text(state["error"]),
        "failedStep": state["failedStep"],
        "startedAt": started_at,
        "endedAt": iso_now(),
        "durationSeconds": round(time.monotonic() - started, 3),
        "programSeconds": state.get("programSeconds"),
        "stepSeconds": state.get("stepSeconds"),
        "pythonVersion": python_version(),
        "acceleratorAsked": state["acceleratorAsked"],
        "acceleratorSeen": state["acceleratorSeen"],
        "files": files,
    }
    if state.get("wheelCache") is not None:
        manifest["wheelCache"] = state["wheelCache"]
    if state.get("items") is not None:
        manifest["items"] = state["items"]
    data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    write_atomic(os.path.join(working, MANIFEST_FILE), data)
    return len(files)


def drop_unchanged_code(working, paths, links=()):
    # Kaggle saves the whole working folder as the kernel's output: copies of the code the
    # program did not change would be stored, listed and paged through as outputs (a 10,000
    # file project makes 500 listing calls per run). They are in the manifest's code, not
    # its outputs, so they go; folders left empty by that go too.
    # The folders linked in place (code_files.link_code) go too, while still links: the
    # saved output would otherwise point into the input, or copy it.
    for link in links:
        if os.path.islink(link):
            try:
                os.unlink(link)
            except OSError:
                pass
    # Where the platform keeps them for the kernel's next session, they are moved there
    # instead of deleted (code_recycle: deleting thousands of files slows the next creates).
    keep_in = recycle_folder()
    folders = set()
    for path in paths:
        if keep_in is not None and keep_copy(keep_in, working, path):
            folders.add(os.path.dirname(path))
            continue
        try:
            os.remove(path)
            folders.add(os.path.dirname(path))
        except OSError:
            pass
    for folder in sorted(folders, key=len, reverse=True):
        while os.path.abspath(folder) != os.path.abspath(working):
            try:
                os.rmdir(folder)  # only when empty
            except OSError:
                break
            folder = os.path.dirname(folder)
