"""One exception per kaggle-run exit code, so a host can catch by blame.

The CLI maps every failure to an exit code (0 ok, 1 the program failed, 2 usage or config,
3 platform/API/network, 4 timed out, 130 interrupted); ``error_for_exit`` turns one back into
the matching class, carrying the CLI's message, hint and, when there is one, the run record.
"""

import builtins


class KaggleRunError(Exception):
    """Base of every error this package raises. ``exit_code`` is the CLI's."""

    exit_code = 1

    def __init__(self, message, hint=None, kind=None, run_id=None, record=None, stderr=""):
        Exception.__init__(self, message)
        self.message = message
        #: A short line saying what to do next, when the CLI had one.
        self.hint = hint
        #: The CLI's error class name (``UsageError``, ``ConfigError``, ...), when it said.
        self.kind = kind
        #: The run this error belongs to, when a run was created.
        self.run_id = run_id
        #: The run record (a ``RunRecord``) when the run got that far.
        self.record = record
        #: The last lines the CLI wrote to stderr.
        self.stderr = stderr

    def __str__(self):
        return self.message if self.hint is None else "%s (hint: %s)" % (self.message, self.hint)


class ProgramError(KaggleRunError):
    """Exit 1: the program ran on the platform and failed; its outputs still came back."""

    exit_code = 1


class UsageError(KaggleRunError):
    """Exit 2: bad arguments or configuration; nothing ran."""

    exit_code = 2


class PlatformError(KaggleRunError):
    """Exit 3: Kaggle, its API or the network failed; the program may be fine."""

    exit_code = 3


class TimeoutError(KaggleRunError, builtins.TimeoutError):  # noqa: A001 (the CLI's name for it)
    """Exit 4: the job ran past its timeout, or a wait ran past its limit."""

    exit_code = 4


class Interrupted(KaggleRunError):
    """Exit 130: stopped by Ctrl-C. A Kaggle run goes on; ``attach(run_id)`` picks it up."""

    exit_code = 130


class CliNotFound(UsageError):
    """The kaggle-run CLI (or Node.js to run it) could not be found."""


BY_EXIT_CODE = {
    1: ProgramError,
    2: UsageError,
    3: PlatformError,
    4: TimeoutError,
    130: Interrupted,
}


def error_for_exit(exit_code, message, **fields):
    """The exception for a CLI exit code; an unknown code is a PlatformError naming it."""
    cls = BY_EXIT_CODE.get(exit_code)
    if cls is None:
        return PlatformError("kaggle-run exited with code %s: %s" % (exit_code, message), **fields)
    return cls(message, **fields)
