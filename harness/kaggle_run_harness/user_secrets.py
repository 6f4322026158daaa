"""Kaggle user secrets and the env file: values for the program, masked in logs."""

import json
import os

from .errors import SetupError
from .inputs import locate_input
from .settings import is_env_name


SECRETS_HOWTO = (
    "attach it on Kaggle: open the notebook in the kernel editor, Add-ons > Secrets, add a "
    "secret named %s and tick it for this notebook"
)


def load_secrets(ctx, settings):
    """Reads the named Kaggle user secrets; returns the ones the program gets."""
    names = list(settings["secrets"])
    code = settings["code"]
    token = code.get("tokenSecret") if code["mode"] == "git" else None
    wanted = names + ([token] if token is not None and token not in names else [])
    if not wanted:
        return {}
    try:
        from kaggle_secrets import UserSecretsClient
    except ImportError:
        UserSecretsClient = None
    missing = []
    if UserSecretsClient is None:
        # Not on Kaggle (a local run): the same names come from the environment.
        for name in wanted:
            if name in os.environ:
                ctx.secret_values[name] = os.environ[name]
            else:
                missing.append(name)
        if missing:
            raise SetupError(
                "secrets",
                "secret %s is not set: outside Kaggle secrets are read from the environment, so "
                "export %s=... before running (on Kaggle, %s)"
                % (missing[0], missing[0], SECRETS_HOWTO % missing[0]),
            )
    else:
        try:
            client = UserSecretsClient()
        except Exception as error:
            raise SetupError("secrets", "cannot reach Kaggle's secrets service: %s" % error)
        for name in wanted:
            try:
                value = client.get_secret(name)
            except Exception as error:
                missing.append((name, ("%s" % error).strip()[:300]))
                continue
            if not isinstance(value, str):
                missing.append((name, "it holds no text"))
                continue
            ctx.secret_values[name] = value
        if missing:
            name, why = missing[0]
            more = "" if len(missing) == 1 else " (and %d more: %s)" % (
                len(missing) - 1,
                ", ".join(n for n, _ in missing[1:]),
            )
            raise SetupError(
                "secrets",
                "the Kaggle secret %s is not available to this notebook%s (%s); %s"
                % (name, more, why or "no value", SECRETS_HOWTO % name),
            )
    for value in ctx.secret_values.values():
        ctx.mask.add(value)
    ctx.out.line("secrets: %s (values masked in this log)" % ", ".join(wanted))
    return dict((name, ctx.secret_values[name]) for name in names)


def load_env_file(ctx, settings, input_dir):
    """The variables of the env file (a JSON object NAME -> text) under the input dir."""
    spec = settings["envFile"]
    if spec is None:
        return {}
    path = locate_input(ctx, input_dir, spec["path"], "env-file", "the env file", "private dataset")
    try:
        with open(path, "rb") as f:
            values = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError) as error:
        # json's messages name a position, never the content, so no value leaks here.
        raise SetupError("env-file", "the env file %s is not readable JSON: %s" % (path, error))
    if not isinstance(values, dict):
        raise SetupError("env-file", "the env file %s is not a JSON object" % path)
    bad = [n for n, v in values.items() if not is_env_name(n) or not isinstance(v, str)]
    if bad:
        raise SetupError(
            "env-file",
            "the env file %s has entries that are not NAME -> text: %s"
            % (path, ", ".join(json.dumps(n) for n in bad[:5])),
        )
    for value in values.values():
        ctx.mask.add(value)
    ctx.out.line("env file: %s (values masked in this log)" % (", ".join(sorted(values)) or "empty"))
    return values
