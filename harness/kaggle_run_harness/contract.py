"""The rules shared with kaggle-run's TypeScript side, read from contract.json beside this
module (in the assembled harness, from its embedded copy): written once, for both."""

import json
import os
import re


def read_contract():
    # The module's own loader finds the file: the file system in a checkout, the embedded
    # table in the assembled harness.
    path = os.path.join(os.path.dirname(__file__), "contract.json")
    return json.loads(__loader__.get_data(path).decode("utf-8"))


CONTRACT = read_contract()
SETTINGS_VERSION = CONTRACT["settingsVersion"]
ARG_PATTERN = re.compile(CONTRACT["argTemplate"]["pattern"])
PYTHON_KEYWORDS = frozenset(CONTRACT["pythonKeywords"])
ENV_NAME_PATTERN = re.compile(CONTRACT["schemas"]["envName"]["pattern"])
MASK_MIN = CONTRACT["maskMinLength"]
STEPS = frozenset(k for k in CONTRACT["steps"] if k != "about")
NOTEBOOK = CONTRACT["notebook"]


def is_identifier(name):
    """The contract's identifier rule (its pattern is for JavaScript): Python's own."""
    return isinstance(name, str) and name.isidentifier()


def is_python_variable(name):
    """Whether a param name can be assigned in a notebook's injected cell."""
    return is_identifier(name) and name not in PYTHON_KEYWORDS


MESSAGE_FIELD = re.compile(r"\{(\w+)\}")


def contract_message(group, check, **values):
    """The contract's message for a check, with its hint, as one line: the CLI says the same
    (its hint on a line of its own) when it finds the problem first."""
    entry = CONTRACT["messages"][group][check]

    def fill(text):
        return MESSAGE_FIELD.sub(lambda m: str(values[m.group(1)]), text)

    return "%s; %s" % (fill(entry["message"]), fill(entry["hint"]))
