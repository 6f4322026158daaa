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


def install_harness_modules(files):
    """Makes `import kaggle_run_harness...` find the embedded modules (and their loader's
    get_data the embedded data files). Each module's loader hands linecache its source, so
    tracebacks show each line as it is written. Only importlib.machinery is imported here:
    importlib.abc and importlib.util would pull in a good part of the standard library."""
    import sys
    from importlib.machinery import ModuleSpec

    # A server's spare kernel compiled its server's harness modules while it waited
    # (src/platform/local/spare-wrapper.ts): name -> (text, code). One is taken only where
    # its text is this harness's own, so a harness of another version compiles its own.
    compiled = getattr(sys, "_kaggle_run_warm", {}).pop("compiled", {})
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

    sys.meta_path.insert(0, Finder())


install_harness_modules(KAGGLE_RUN_HARNESS_FILES)

if __name__ == "__main__":
    import sys

    def print_exception(*exc_info):
        # Python's default hook reads source lines from disk; traceback asks each module's
        # loader, which holds the embedded modules' lines.
        import traceback

        traceback.print_exception(*exc_info)

    sys.excepthook = print_exception
    from kaggle_run_harness.main import run_as_script

    run_as_script(
        globals().get("KAGGLE_RUN_SETTINGS_B64"),
        globals().get("KAGGLE_RUN_CODE_B64", ""),
        globals().get("__file__"),
    )
