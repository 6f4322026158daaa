"""The working copies of unchanged code kept from one session of a kernel for its next,
where the platform offers a folder for them (KAGGLE_RUN_CODE_RECYCLE: an unsandboxed
`kaggle-run server`, whose inputs are writable, so the code cannot run in place).

Why: on ext4 without a journal the kernel will not reuse an inode freed in the last
minutes, so each file created after a mass delete scans past the freed ones. A session
that deletes its 10,000 unchanged code copies at the end makes the next session's copies
slower, run after run. Kept copies are moved (a rename, no inode made or freed) and the
next session makes each one's content the new code's (write_over): the kept bytes are read
and compared with the code's, and only from the first byte that differs is anything
written, so an unchanged tree is only read: no inode or data block is made or freed.
"""

import os
import shutil
import stat

from .files import inside

RECYCLE_ENV = "KAGGLE_RUN_CODE_RECYCLE"


def recycle_folder():
    """The folder the platform offers for kept copies (made if missing), or None."""
    path = os.environ.get(RECYCLE_ENV, "").strip()
    if not path or not os.path.isabs(path):
        return None
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return None
    return os.path.realpath(path)


class KeptCopies:
    """The copies the kernel's last session kept, taken one by one by the copy of the code."""

    def __init__(self, folder):
        self.folder = folder
        self.taken = 0
        mask = os.umask(0)
        os.umask(mask)
        self.file_mode = 0o666 & ~mask  # what a newly created file would get

    def take(self, rel, target):
        """Moves the kept copy of rel to target (not there yet); True when one was moved.
        Only a plain file with one link, reached through no link, is taken: writing over
        it can change nothing but itself."""
        kept = os.path.join(self.folder, *rel.split("/"))
        try:
            info = os.lstat(kept)
            if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
                return False
            if not inside(self.folder, os.path.realpath(kept)):
                return False
            os.replace(kept, target)
        except OSError:
            return False
        self.taken += 1
        return True

    def mode(self, executable):
        return 0o755 if executable else self.file_mode

    def clear_rest(self):
        """Deletes the copies nobody took (files the code no longer has), so that the next
        session's kept copies are this session's only."""
        for name in os.listdir(self.folder):
            path = os.path.join(self.folder, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                try:
                    os.remove(path)
                except OSError:
                    pass


def write_over(src, target, digest, chunk_size):
    """Makes target's content src's, hashing it into digest; writes only from the first
    byte that differs. Returns the number of bytes."""
    total = 0
    same = True
    with open(target, "r+b") as dst:
        while True:
            chunk = src.read(chunk_size)
            if not chunk:
                break
            digest.update(chunk)
            total += len(chunk)
            if same:
                if dst.read(len(chunk)) == chunk:
                    continue
                same = False
                dst.seek(total - len(chunk))
            dst.write(chunk)
        if os.fstat(dst.fileno()).st_size != total:
            dst.truncate(total)  # the kept copy was longer
    return total


def kept_copies():
    """The last session's kept copies, or None where the platform offers no folder."""
    folder = recycle_folder()
    return None if folder is None else KeptCopies(folder)


def keep_copy(folder, working, path):
    """Moves the unchanged copy at path into folder, at its path relative to working;
    False when it could not be moved (the caller deletes it)."""
    rel = os.path.relpath(path, working)
    if rel.startswith(".."):
        return False
    target = os.path.join(folder, rel)
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.replace(path, target)
    except OSError:
        return False
    return True
