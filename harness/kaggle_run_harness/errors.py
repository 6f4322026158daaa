"""The harness's two exceptions and the exit codes it ends with."""

from .contract import CONTRACT


class SetupError(Exception):
    """An expected failure before or around the program: reported in one line, no traceback."""

    def __init__(self, step, message):
        Exception.__init__(self, message)
        self.step = step
        self.message = message


class Terminated(Exception):
    """The harness itself was asked to stop (SIGTERM, Ctrl-C)."""


SETUP_EXIT = CONTRACT["exitCodes"]["setup"]
TIMEOUT_EXIT = CONTRACT["exitCodes"]["timeout"]
TERMINATED_EXIT = CONTRACT["exitCodes"]["terminated"]
