"""Finding attached sources under the input folder, in either of Kaggle's layouts."""

import json
import os
import posixpath

from .errors import SetupError
from .files import write_atomic


def locate_input(ctx, input_dir, rel_path, step, what, dataset):
    """input_dir/rel_path, or the one file of that name below input_dir: where Kaggle mounts
    a dataset has moved before (/kaggle/input/<slug>/ or deeper)."""
    where = os.path.join(input_dir, rel_path)
    if os.path.isfile(where):
        return where
    found = find_file(input_dir, posixpath.basename(rel_path), 5)
    if len(found) != 1:
        raise SetupError(
            step,
            "%s %s is missing%s; attach its %s to the kernel (kaggle-run does this when it "
            "pushes)"
            % (what, where, "" if not found else " (several candidates: %s)" % ", ".join(found), dataset),
        )
    ctx.out.line("%s found at %s" % (what, found[0]))
    return found[0]


def find_file(root, basename, depth, folders=False):
    """Files (or folders) named basename at most depth levels below root."""
    found = []
    for folder, dirs, names in os.walk(root):
        if folder[len(root):].count(os.sep) >= depth:
            dirs[:] = []
        if basename in (dirs if folders else names):
            found.append(os.path.join(folder, basename))
    return sorted(found)


def extracted_folder(input_dir, rel_path):
    """The folder Kaggle extracted the zip input_dir/rel_path into, in either input layout
    (datasets/<owner>/<slug>/<name>/ or <slug>/<name>/), or None."""
    if not rel_path.endswith(".zip"):
        return None
    where = os.path.join(input_dir, rel_path[: -len(".zip")])
    if os.path.isdir(where):
        return where
    found = find_file(input_dir, posixpath.basename(rel_path[: -len(".zip")]), 5, folders=True)
    return found[0] if len(found) == 1 else None


# Where Kaggle mounts each kind of source now, and how many folder levels name one source.
INPUT_KINDS = {"datasets": 2, "competitions": 1, "models": 5, "notebooks": 2}


def folders_at(root, depth):
    """The relative parts of every folder exactly depth levels below root."""
    if depth == 0:
        return [[]]
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return []
    found = []
    for name in names:
        if os.path.isdir(os.path.join(root, name)):
            found.extend([name] + rest for rest in folders_at(os.path.join(root, name), depth - 1))
    return found


def scan_inputs(input_dir):
    """Each attached source's names -> its folder, read from the folders mounted: the current
    layout (datasets/<owner>/<slug>, competitions/<slug>, models/<owner>/<model>/<framework>/
    <variation>/<version>, notebooks/<owner>/<slug>) and the older flat one (<slug>). Datasets
    and notebooks are also named by their bare slug; a name two folders share names neither,
    and a flat folder never takes a name from a current one."""
    names = {}

    def add(name, folder, current):
        if name not in names:
            names[name] = folder
        elif current and names[name] not in (folder, None):
            names[name] = None

    try:
        top = sorted(os.listdir(input_dir))
    except OSError:
        return {}
    for kind in (k for k in top if k in INPUT_KINDS):
        for parts in folders_at(os.path.join(input_dir, kind), INPUT_KINDS[kind]):
            folder = os.path.join(input_dir, kind, *parts)
            add("/".join(parts), folder, True)
            if kind in ("datasets", "notebooks"):
                add(parts[-1], folder, True)
    for name in top:
        if name not in INPUT_KINDS and os.path.isdir(os.path.join(input_dir, name)):
            add(name, os.path.join(input_dir, name), False)
    return dict((k, v) for k, v in names.items() if v is not None)


def inputs_env(input_dir):
    """KAGGLE_RUN_INPUTS and KAGGLE_RUN_INPUTS_FILE: as the platform set them (kaggle-run
    server, the local platform), else read from the folders Kaggle mounted."""
    if os.environ.get("KAGGLE_RUN_INPUTS", "").strip():
        env = {"KAGGLE_RUN_INPUTS": os.environ["KAGGLE_RUN_INPUTS"]}
        if os.environ.get("KAGGLE_RUN_INPUTS_FILE", "").strip():
            env["KAGGLE_RUN_INPUTS_FILE"] = os.environ["KAGGLE_RUN_INPUTS_FILE"]
            return env
    text = os.environ.get("KAGGLE_RUN_INPUTS", "").strip() or json.dumps(
        scan_inputs(input_dir), indent=2, sort_keys=True
    )
    folder = os.environ.get("KAGGLE_RUN_TEMP_DIR", "").strip()
    if not folder:
        import tempfile

        folder = tempfile.gettempdir()
    path = os.path.join(folder, "kaggle-run-inputs.json")
    try:
        write_atomic(path, (text + "\n").encode("utf-8"))
    except OSError:
        return {"KAGGLE_RUN_INPUTS": text}
    return {"KAGGLE_RUN_INPUTS": text, "KAGGLE_RUN_INPUTS_FILE": path}
