# kaggle-run harness: what actually runs on Kaggle (as a kernel script) and on the local
# platform. kaggle-run renders it by prepending two module globals:
#   KAGGLE_RUN_SETTINGS_B64  base64 of a UTF-8 JSON object (the run's settings, version 1)
#   KAGGLE_RUN_CODE_B64      base64 of the code zip, or "" when the code comes from a file
# Every user-supplied value (params, args, paths) travels only inside those base64 literals,
# so none of it can ever become code. Standard library only; Python >= 3.8.
#
# Steps: start line with the nonce -> accelerator check -> unpack the code -> requirements
# -> run the entry (script or notebook) -> manifest of every output (always, also when a
# step fails) -> end line, exit with the program's code (setup failure 2, timeout 124).
#
# A kernel runs one file, so the harness's modules (harness/kaggle_run_harness/ in the
# kaggle-run repository) travel inside this one as text, each under its own file name: a
# traceback names the module and the line as they are in the repository.

# File name -> text of each file of the package (modules and the data they read).
# scripts/assemble-harness.mjs fills this in.
KAGGLE_RUN_HARNESS_FILES = {}

# This harness may be started without site (python -S): what needs site-packages adds it
# first (kaggle_run_harness/startup.py). The local and server platforms look for this line
# (src/harness/rendered.ts), so a harness rendered before it existed starts with site.
KAGGLE_RUN_HARNESS_WITHOUT_SITE = True


def compiled_modules_files():
    """The files of compiled modules a local run hands its harness on descriptors
    (src/platform/local/harness-code-cache.ts): (to read or None, to write or None). The
    variable naming them leaves the environment at once: the program never sees it (nor the
    descriptors: a program is started with the others closed)."""
    import os

    named = dict(
        part.partition("=")[::2]
        for part in os.environ.pop("KAGGLE_RUN_HARNESS_CODE", "").split(",")
        if part
    )
    opened = []
    for mode in ("read", "write"):
        fd = named.get(mode, "")
        try:
            opened.append(os.fdopen(int(fd), "rb" if mode == "read" else "wb") if fd else None)
        except (OSError, ValueError):
            opened.append(None)
    return opened[0], opened[1]


def read_compiled(f):
    """name -> (text, code) from a file that write_compiled wrote; {} where it is another
    interpreter's (its magic number differs) or cannot be read: the modules compile then."""
    import marshal
    import sys

    magic = sys.modules["_frozen_importlib_external"].MAGIC_NUMBER
    try:
        with f:
            data = f.read()
        if data[: len(magic)] != magic:
            return {}
        compiled = marshal.loads(data[len(magic) :])
        return compiled if isinstance(compiled, dict) else {}
    except Exception:
        return {}


def write_compiled(f, compiled):
    """Writes name -> (text, code), behind this interpreter's magic number, and closes `f`."""
    import marshal
    import sys

    try:
        with f:
            f.write(sys.modules["_frozen_importlib_external"].MAGIC_NUMBER)
            f.write(marshal.dumps(compiled))
    except Exception:
        pass  # only the next run's start is slower


def install_harness_modules(files):
    """Makes `import kaggle_run_harness...` find the embedded modules (and their loader's
    get_data the embedded data files). Each module's loader hands linecache its source, so
    tracebacks show each line as it is written. Only importlib.machinery is imported here:
    importlib.abc and importlib.util would pull in a good part of the standard library.
    Returns a function that writes what was compiled so far where a local run asked for it."""
    import sys
    from importlib.machinery import ModuleSpec

    # Compiled ahead, name -> (text, code): by a server's spare kernel while it waited
    # (src/platform/local/spare-wrapper.ts), or by an earlier local run of this harness. One
    # is taken only where its text is this harness's own: another version compiles its own.
    compiled = getattr(sys, "_kaggle_run_warm", {}).pop("compiled", {})
    kept, keep = compiled_modules_files()
    if kept is not None:
        compiled = compiled or read_compiled(kept)
    # Every module run so far; whether one of them had to be compiled here.
    used = {}
    fresh = []
    modules = {}
    for filename in files:
        if filename.endswith("/__init__.py"):
            modules[filename[: -len("/__init__.py")].replace("/", ".")] = filename
        elif filename.endswith(".py"):
            modules[filename[: -len(".py")].replace("/", ".")] = filename

    class Loader(object):
        def __init__(self, filename):
            self.filename = filename

        def create_module(self, spec):
            return None  # the default module object

        def exec_module(self, module):
            text = files[self.filename]
            ready = compiled.pop(self.filename, None)
            if ready is not None and ready[0] == text:
                code = ready[1]
            else:
                code = compile(text, self.filename, "exec", dont_inherit=True)
                fresh.append(self.filename)
            used[self.filename] = (text, code)
            exec(code, module.__dict__)

        def get_source(self, _name):
            return files[self.filename]

        def get_data(self, path):
            if path not in files:
                raise FileNotFoundError(path)
            return files[path].encode("utf-8")

    class Finder(object):
        def find_spec(self, name, path=None, target=None):
            if name not in modules:
                return None
            filename = modules[name]
            is_package = filename.endswith("/__init__.py")
            spec = ModuleSpec(name, Loader(filename), origin=filename, is_package=is_package)
            if is_package:
                spec.submodule_search_locations = []
            spec.has_location = True  # __file__: a module finds its data files beside it
            return spec

        def invalidate_caches(self):
            pass

    def save_compiled():
        # Only where the file given to read lacked something (none, stale, another
        # interpreter's): an empty file to write is left as it is, and means "keep the old".
        if keep is not None:
            if fresh:
                write_compiled(keep, used)
            else:
                keep.close()

    sys.meta_path.insert(0, Finder())
    return save_compiled


save_compiled = install_harness_modules(KAGGLE_RUN_HARNESS_FILES)


def start_program_early():
    """A local run of a plain script hands its harness, in KAGGLE_RUN_PROGRAM_BOOT, the source
    of a program's waiting interpreter (PROGRAM_BOOT_SOURCE, src/platform/local/
    spare-wrapper.ts). Started before the harness loads its own modules, its start (site and
    its .pth files, ~50 ms) runs beside theirs instead of after the harness's steps. It
    waits as a server's spare kernel leaves one (kaggle_run_harness/warm_program.py, which
    hands it the program or exec()s the cold command where its start could have differed),
    started as a spare kernel starts it. The variable leaves the environment first: neither
    interpreter sees it."""
    import os

    source = os.environ.pop("KAGGLE_RUN_PROGRAM_BOOT", "")
    if not source:
        return
    import subprocess
    import sys

    try:
        program = subprocess.Popen(
            [sys.executable, "-u", "-c", source],
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError:
        return  # the harness starts its program cold
    if not isinstance(getattr(sys, "_kaggle_run_warm", None), dict):
        sys._kaggle_run_warm = {}
    sys._kaggle_run_warm.setdefault("program", program)

if __name__ == "__main__":
    import sys

    start_program_early()

    def print_exception(*exc_info):
        # Python's default hook reads source lines from disk; traceback asks each module's
        # loader, which holds the embedded modules' lines.
        import traceback

        traceback.print_exception(*exc_info)

    sys.excepthook = print_exception
    from kaggle_run_harness.main import run_as_script

    # The modules a run needs are compiled by now (a batch's or a notebook's come later).
    save_compiled()
    run_as_script(
        globals().get("KAGGLE_RUN_SETTINGS_B64"),
        globals().get("KAGGLE_RUN_CODE_B64", ""),
        globals().get("__file__"),
    )
