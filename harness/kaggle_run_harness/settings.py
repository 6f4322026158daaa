"""Reading and checking the settings the renderer prepends (version 1)."""

import base64
import binascii
import json

from .contract import ENV_NAME_PATTERN, SETTINGS_VERSION
from .errors import SetupError
from .schema import problem_of


def read_settings(encoded, code):
    """Returns (settings dict, code base64 string) from the two literals the renderer
    prepends (KAGGLE_RUN_SETTINGS_B64, KAGGLE_RUN_CODE_B64)."""
    if not isinstance(encoded, str) or encoded == "":
        raise SetupError(
            "settings",
            "this harness carries no settings: it is the template kaggle-run renders, "
            "not a program to run by itself",
        )
    try:
        settings = json.loads(base64.b64decode(encoded, validate=True).decode("utf-8"))
    except (binascii.Error, ValueError) as error:
        raise SetupError("settings", "the harness settings are not valid base64 JSON: %s" % error)
    if not isinstance(code, str):
        code = ""
    check_settings(settings)
    return settings, code


def check_settings(s):
    """The settings against the contract's schema (the CLI checks what it renders with the
    same one): a SetupError names the field and what it must be."""
    if not isinstance(s, dict):
        fail("not a JSON object")
    if s.get("version") != SETTINGS_VERSION:
        raise SetupError(
            "settings",
            "settings version %r is not supported by this harness (it reads version %d); "
            "render it with the same kaggle-run version" % (s.get("version"), SETTINGS_VERSION),
        )
    found = problem_of(s, "settings")
    if found is not None:
        fail(found.message)


def fail(what):
    raise SetupError("settings", "the harness settings are malformed: %s" % what)


def is_env_name(name):
    return isinstance(name, str) and ENV_NAME_PATTERN.match(name) is not None
