"""Param values as text: argv templates (${name}) and number spellings."""

import json
import math

from .contract import ARG_PATTERN, contract_message
from .errors import SetupError


def number_text(value):
    """A number for argv: an int as it is; a float as JavaScript's String() writes it (what
    the user typed), keeping a float's ".0" and Python's nan / inf / -inf."""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return repr(value)
    if value.is_integer() and abs(value) < 1e16:
        return repr(value)  # 1.0, -0.0: still a float when the program reads it back
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    exp = int(exponent)
    if -7 < exp < 21:
        import decimal  # rare: only for floats written with an exponent

        return format(decimal.Decimal(text), "f")
    return "%se%s%d" % (mantissa, "+" if exp > 0 else "-", abs(exp))


def param_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def strict_json_value(value):
    """The value with nan / inf / -inf as the strings "nan", "inf", "-inf", for files that
    must stay standard JSON (the executed notebook)."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, list):
        return [strict_json_value(v) for v in value]
    if isinstance(value, dict):
        return dict((k, strict_json_value(v)) for k, v in value.items())
    return value


def render_args(templates, params):
    """Replaces ${name} (or ${ name }) by the param's value; $${x} stays a literal ${x}.
    Never a shell. The grammar is the contract's, as the CLI checks it."""
    unknown = []

    def substitute(match):
        if match.group(1):
            return match.group(0)[1:]  # $${x} -> ${x}, spaces kept
        name = match.group(2)
        if name not in params:
            unknown.append(name)
            return ""
        return param_text(params[name])

    rendered = [ARG_PATTERN.sub(substitute, template) for template in templates]
    if unknown:
        raise SetupError(
            "settings",
            contract_message(
                "args",
                "unknownParams",
                s="" if len(unknown) == 1 else "s",
                them="it" if len(unknown) == 1 else "them",
                refs=", ".join("${%s}" % n for n in unknown),
                known=", ".join(sorted(params)) or "none",
            ),
        )
    return rendered
