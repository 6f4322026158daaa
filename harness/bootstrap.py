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

# Module name -> (file name, source). scripts/assemble-harness.mjs fills this in.
KAGGLE_RUN_HARNESS_MODULES = {}


def install_harness_modules(modules):
    """Makes `import kaggle_run_harness...` find the embedded modules, and their source
    known to linecache, so tracebacks show each line as it is written."""
    import importlib.abc
    import importlib.util
    import linecache
    import sys

    class Loader(importlib.abc.Loader):
        def __init__(self, filename, source):
            self.filename = filename
            self.source = source

        def create_module(self, spec):
            return None  # the default module object

        def exec_module(self, module):
            code = compile(self.source, self.filename, "exec", dont_inherit=True)
            exec(code, module.__dict__)

        def get_source(self, _name):
            return self.source

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name not in modules:
                return None
            filename, source = modules[name]
            return importlib.util.spec_from_loader(
                name,
                Loader(filename, source),
                origin=filename,
                is_package=filename.endswith("/__init__.py"),
            )

    for filename, source in modules.values():
        # mtime None: linecache keeps the entry, as for any source a loader provides.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    sys.meta_path.insert(0, Finder())


install_harness_modules(KAGGLE_RUN_HARNESS_MODULES)

if __name__ == "__main__":
    import sys
    import traceback

    # Python's default hook reads source lines from disk; this one asks linecache, which
    # holds the embedded modules' lines.
    sys.excepthook = traceback.print_exception
    from kaggle_run_harness.main import run_as_script

    run_as_script(
        globals().get("KAGGLE_RUN_SETTINGS_B64"),
        globals().get("KAGGLE_RUN_CODE_B64", ""),
        globals().get("__file__"),
    )
