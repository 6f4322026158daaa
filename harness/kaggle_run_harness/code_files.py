"""Code files landing in the working folder: safe member paths, a folder copied as a zip
would be extracted."""

import hashlib
import json
import os
import posixpath
import re

from .code_recycle import kept_copies, write_over
from .errors import SetupError
from .files import CHUNK, copy_hashing, human_size, inside


def member_path(name):
    """The safe relative POSIX path of a zip member, or raises SetupError."""
    def refuse(why):
        raise SetupError(
            "unpack",
            "refusing code archive entry %s: %s; nothing was extracted" % (json.dumps(name), why),
        )

    if "\x00" in name:
        refuse("it contains a NUL byte")
    posix = name.replace("\\", "/")
    if posix.startswith("/"):
        refuse("it is an absolute path")
    if re.match(r"^[A-Za-z]:", posix):
        refuse("it starts with a drive letter")
    normal = posixpath.normpath(posix)
    if normal == ".." or normal.startswith("../"):
        refuse("it escapes the target folder with ..")
    return "" if normal == "." else normal


def copy_code(ctx, source, working, entry, where, linked=()):
    """Copies a code folder (a git checkout, an extracted zip) into the working dir as unpack
    would extract the zip: same places, exec bits kept; returns {relative path: sha256}.

    .git is left out, and so are the top-level folders in `linked` (link_code links them).
    A symlink ships as its target's content when that is a file inside the folder, as
    packing does; one that points elsewhere is left out with a warning.
    """
    real_source = os.path.realpath(source)
    real_root = os.path.realpath(working)
    plan = []
    left_out = []
    for folder, dirs, names in os.walk(source):
        # os.walk lists links to folders among the folders and does not enter them.
        links = [d for d in dirs if os.path.islink(os.path.join(folder, d))]
        top = os.path.abspath(folder) == os.path.abspath(source)
        dirs[:] = sorted(
            d for d in dirs if d != ".git" and d not in links and not (top and d in linked)
        )
        for name in sorted(names + links):
            if name == ".git":
                continue
            full = os.path.join(folder, name)
            rel = os.path.relpath(full, source).replace(os.sep, "/")
            read_from = full
            if os.path.islink(full):
                read_from = os.path.realpath(full)
                if not inside(real_source, read_from):
                    left_out.append("%s (a symbolic link out of the code folder)" % rel)
                    continue
                if not os.path.isfile(read_from):
                    left_out.append("%s (a symbolic link to a folder or to nothing)" % rel)
                    continue
            elif not os.path.isfile(full):
                continue  # fifos, sockets: not code
            target = os.path.join(working, *rel.split("/"))
            if not inside(real_root, os.path.realpath(os.path.dirname(target))):
                raise SetupError(
                    "unpack",
                    "refusing %s from %s: it would land outside %s through a link"
                    % (json.dumps(rel), where, working),
                )
            plan.append((read_from, rel, target, os.stat(read_from).st_mode))
    for item in left_out[:10]:
        ctx.out.line("warning: left out %s" % item, "stderr")
    if len(left_out) > 10:
        ctx.out.line("warning: left out %d more symbolic links" % (len(left_out) - 10), "stderr")
    if posixpath.normpath(entry) not in set(rel for _, rel, _, _ in plan):
        raise SetupError(
            "unpack",
            "the entry %s is not in %s (%d files); check `entry`" % (entry, where, len(plan)),
        )
    hashes = {}
    total = 0
    kept = kept_copies()  # the last session's unchanged copies, reused (code_recycle)
    try:
        for read_from, rel, target, mode in plan:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if os.path.islink(target):
                os.unlink(target)  # never write through a link
            reused = kept is not None and not os.path.lexists(target) and kept.take(rel, target)
            digest = hashlib.sha256()
            if reused:
                with open(read_from, "rb") as src:
                    total += write_over(src, target, digest, CHUNK)
                os.chmod(target, kept.mode(mode & 0o111))  # as a new file would have it
            else:
                with open(read_from, "rb") as src, open(target, "wb") as dst:
                    total += copy_hashing(src, dst, digest)
                if mode & 0o111:
                    os.chmod(target, 0o755)
            hashes[rel] = digest.hexdigest()
        if kept is not None:
            kept.clear_rest()
    except OSError as error:
        raise SetupError("unpack", "cannot copy the code from %s: %s" % (where, error))
    plural = "" if len(hashes) == 1 else "s"
    reuse = "" if kept is None else ", %d written over the last session's copies" % kept.taken
    ctx.out.line("copied %d file%s (%s%s)" % (len(hashes), plural, human_size(total), reuse))
    return hashes


# A top-level folder this small is copied rather than linked (link_code): its copy costs
# little, and it stays writable as a local folder is (an `outputs/` shipped with a
# placeholder, a `configs/` the program rewrites).
COPY_MAX_FILES = 100
COPY_MAX_BYTES = 1024 * 1024


def small_folder(folder):
    """True when folder holds fewer than COPY_MAX_FILES files and COPY_MAX_BYTES bytes."""
    count = 0
    size = 0
    for base, dirs, names in os.walk(folder):
        for name in names:
            count += 1
            try:
                size += os.lstat(os.path.join(base, name)).st_size
            except OSError:
                pass
            if count >= COPY_MAX_FILES or size >= COPY_MAX_BYTES:
                return False
    return True


def link_code(ctx, source, working, entry, where):
    """Runs a read-only code folder (Kaggle's extraction of the code zip) in place: each
    top-level folder that is not small (small_folder) becomes a symbolic link in the working
    dir, the rest (and the folder holding the entry) is copied (copy_code). Returns ({relative path: sha256} of what was
    copied, [names linked]).

    Creating and later deleting thousands of files is most of a session's start-up (on ext4
    without a journal every file made after a mass delete scans past the inodes freed in
    the last minutes, so it grows from session to session); a link costs one entry. Files
    under a linked folder are read-only, as the folder itself is: a writable folder (an
    unsandboxed server, where inputs are hard links to the stored dataset) is copied, so
    that a program that modifies a shipped file can never change the dataset.
    """
    linked = []
    # The entry's own folder stays a copy: a notebook's executed copy is written beside it.
    entry_top = posixpath.normpath(entry).split("/")[0]
    for name in sorted(os.listdir(source)):
        full = os.path.join(source, name)
        target = os.path.join(working, name)
        if name in (".git", entry_top) or os.path.islink(full) or not os.path.isdir(full):
            continue
        if os.path.lexists(target) or small_folder(full):
            continue  # something of that name is already there: copied into, as before
        try:
            os.symlink(full, target, target_is_directory=True)
        except OSError as error:
            raise SetupError("unpack", "cannot link %s into %s: %s" % (full, working, error))
        linked.append(name)
    hashes = copy_code(ctx, source, working, entry, where, tuple(linked))
    if linked:
        ctx.out.line(
            "linked %d read-only folder%s in place: %s"
            % (len(linked), "" if len(linked) == 1 else "s", ", ".join(linked))
        )
    return hashes, linked
