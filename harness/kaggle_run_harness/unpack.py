"""The code into the working folder: from the zip (inline or a dataset) or a folder."""

import base64
import binascii
import hashlib
import io
import json
import os
import posixpath
import stat
import zipfile

from .errors import SetupError
from .files import copy_hashing, human_size, inside
from .code_files import copy_code, link_code, member_path
from .inputs import extracted_folder, locate_input


def open_code_archive(ctx, settings, code_b64, input_dir):
    code = settings["code"]
    if code["mode"] == "inline":
        if code_b64 == "":
            raise SetupError(
                "unpack", "the harness carries no inline code (KAGGLE_RUN_CODE_B64 is empty)"
            )
        try:
            data = base64.b64decode(code_b64, validate=True)
        except (binascii.Error, ValueError) as error:
            raise SetupError("unpack", "the inline code is not valid base64: %s" % error)
        source, where = io.BytesIO(data), "the inline code"
    else:
        where = locate_input(ctx, input_dir, code["path"], "unpack", "the code archive", "code dataset")
        source = where
    try:
        return zipfile.ZipFile(source), where
    except (zipfile.BadZipFile, OSError) as error:
        raise SetupError("unpack", "%s is not a readable zip: %s" % (where, error))


def unpack(ctx, settings, code_b64, input_dir, working, deadline=None, state=None):
    """Extracts the code into the working dir; returns {relative path: sha256}. The folders
    linked in place instead (link_code) go to state["codeLinks"]."""
    code = settings["code"]
    if code["mode"] == "git":
        from .git_code import clone_code  # git and its temp folders only for code: git

        return clone_code(ctx, settings, working, deadline)
    if code["mode"] == "file":
        where = os.path.join(input_dir, code["path"])
        folder = extracted_folder(input_dir, code["path"]) if not os.path.isfile(where) else None
        if folder is not None:
            # Kaggle extracts a zip uploaded to a dataset into a folder of the same name.
            ctx.out.line("code folder found at %s (the code zip, extracted)" % folder)
            # Writable (the stored dataset itself) or code_in_place: false: copied whole.
            if os.access(folder, os.W_OK) or settings.get("codeInPlace") is False:
                return copy_code(ctx, folder, working, settings["entry"], folder)
            hashes, linked = link_code(ctx, folder, working, settings["entry"], folder)
            if state is not None:
                state["codeLinks"] = [os.path.join(working, name) for name in linked]
            return hashes
    archive, where = open_code_archive(ctx, settings, code_b64, input_dir)
    real_root = os.path.realpath(working)
    plan = []
    with archive:
        # Check every entry before writing any, so a bad archive leaves nothing behind.
        for info in archive.infolist():
            rel = member_path(info.filename)
            mode = (info.external_attr >> 16) & 0xFFFF
            if stat.S_ISLNK(mode):
                raise SetupError(
                    "unpack",
                    "refusing code archive entry %s: it is a symbolic link; nothing was extracted"
                    % json.dumps(info.filename),
                )
            if rel == "":
                continue
            target = os.path.join(working, *rel.split("/"))
            if not inside(real_root, os.path.realpath(os.path.dirname(target))):
                raise SetupError(
                    "unpack",
                    "refusing code archive entry %s: it would land outside %s through a link; "
                    "nothing was extracted" % (json.dumps(info.filename), working),
                )
            plan.append((info, rel, target, mode))
        names = set(rel for info, rel, _, _ in plan if not info.is_dir())
        if posixpath.normpath(settings["entry"]) not in names:
            raise SetupError(
                "unpack",
                "the entry %s is not in the code archive (%d files); check `entry` and that it "
                "is not excluded from packing" % (settings["entry"], len(names)),
            )
        hashes = {}
        total = 0
        try:
            for info, rel, target, mode in plan:
                if info.is_dir():
                    os.makedirs(target, exist_ok=True)
                    continue
                os.makedirs(os.path.dirname(target), exist_ok=True)
                if os.path.islink(target):
                    os.unlink(target)  # never write through a link
                digest = hashlib.sha256()
                with archive.open(info) as src, open(target, "wb") as dst:
                    copy_hashing(src, dst, digest)
                if mode & 0o111:
                    os.chmod(target, 0o755)
                hashes[rel] = digest.hexdigest()
                total += info.file_size
        except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError) as error:
            raise SetupError("unpack", "cannot extract %s: %s" % (where, error))
    plural = "" if len(hashes) == 1 else "s"
    ctx.out.line("unpacked %d file%s (%s)" % (len(hashes), plural, human_size(total)))
    return hashes
