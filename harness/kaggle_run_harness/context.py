"""The run context: everything one harness run shares between its steps.

One object, made by main() and passed down, instead of module globals, so a unit test can
make its own and nothing outlives a run.
"""

from .console import Masker, Output


class RunContext(object):
    def __init__(self, own_file=None):
        # Secret values are masked in everything the harness prints and logs.
        self.mask = Masker()
        self.out = Output(self.mask)
        # Set when the harness is told to stop. `stop_raises` is off while nbclient runs: an
        # exception thrown into its event loop can surface as some other error from its
        # cleanup, so there the kernel is killed instead and the notebook runner reports the
        # stop once nbclient returns.
        self.stop_requested = None
        self.stop_raises = True
        # Process groups of the children running now, killed when the harness is told to stop.
        self.live_groups = set()
        # Secret values by name (also the git token).
        self.secret_values = {}
        # What goes into the program's environment from the secrets and the env file.
        self.program_vars = {}
        # KAGGLE_RUN_INPUTS and its file, for the program (inputs.inputs_env).
        self.inputs_env = {}
        # The harness's own file where a platform runs it from the working folder: never an
        # output.
        self.own_file = own_file
