"""The harness's own file names and small file helpers (atomic writes, hashing)."""

import hashlib
import sys
import time
import os

from .contract import CONTRACT


MANIFEST_FILE = CONTRACT["files"]["manifest"]
LOG_FILE = CONTRACT["files"]["log"]
PARAMS_FILE = CONTRACT["files"]["params"]
CHUNK = 1024 * 1024


def write_atomic(path, data):
    name = ".%s.%s.tmp" % (os.path.basename(path), os.urandom(4).hex())
    temp = os.path.join(os.path.dirname(path), name)
    try:
        with open(temp, "wb") as f:
            f.write(data)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def copy_hashing(src, dst, digest):
    """Copies the open file src into dst in CHUNK pieces, hashing them into digest; returns
    the number of bytes."""
    total = 0
    while True:
        chunk = src.read(CHUNK)
        if not chunk:
            return total
        digest.update(chunk)
        dst.write(chunk)
        total += len(chunk)


def inside(root, path):
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def human_size(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return ("%d %s" if unit == "B" else "%.1f %s") % (n, unit)
        n /= 1024.0
    return "%d B" % n


def sha256_file(path):
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            digest.update(chunk)
    return digest.hexdigest(), size


def working_entries(working, skip, skip_top=()):
    """(relative POSIX path, full path, lstat) of every entry under `working`, less the paths
    in `skip` (relative or absolute), __pycache__ folders and the top-level folders
    `skip_top`; entries that vanish while being listed are left out."""
    for folder, dirs, names in os.walk(working):
        top = os.path.abspath(folder) == os.path.abspath(working)
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not (top and d in skip_top))
        for name in names:
            full = os.path.join(folder, name)
            rel = os.path.relpath(full, working).replace(os.sep, "/")
            if rel in skip or os.path.abspath(full) in skip:
                continue
            try:
                info = os.lstat(full)
            except OSError:
                continue
            yield rel, full, info


def iso_now():
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%03dZ" % (int(now * 1000) % 1000)


def python_version():
    """As platform.python_version() says it (3.11.7, 3.13.0rc1), without importing platform."""
    return sys.version.split()[0]
