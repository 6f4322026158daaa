"""Checks a JSON value against one of contract.json's schemas. The CLI reads the same
schemas with its own reader of these few keywords (src/harness/schema.ts), so the settings
and the manifest are described once, for both sides.

Keywords: type (a name or a list: string, integer, number, boolean, null, object, array),
enum, pattern, exclusiveMinimum, minItems, required, properties, values (every value of an
object), items (every element of a list), uniqueKey ({key, ignoreCase}: no two elements
with the same value there), anyOf, byField ({field, cases}: the case named by the field's
value applies too), ref (a schema of the contract by name) and must (what a failure says
the value must be)."""

import json
import re

from .contract import CONTRACT

SCHEMAS = CONTRACT["schemas"]
# Param values may nest; deeper than this is refused rather than met with a RecursionError.
MAX_DEPTH = 100

TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
    "object": "an object",
    "array": "a list",
}


class Problem(Exception):
    """Where a value breaks its schema and what it must be instead."""

    def __init__(self, path, message):
        Exception.__init__(self, message)
        self.path = path
        self.message = message


def check(value, name):
    """Raises Problem for the first place where `value` breaks the contract's schema `name`."""
    check_node(value, SCHEMAS[name], "", 0)


def problem_of(value, name):
    try:
        check(value, name)
    except Problem as found:
        return found
    return None


def is_type(value, word):
    if word == "string":
        return isinstance(value, str)
    if word == "boolean":
        return isinstance(value, bool)
    if word == "null":
        return value is None
    if word == "object":
        return isinstance(value, dict)
    if word == "array":
        return isinstance(value, list)
    if isinstance(value, bool):
        return False
    if word == "integer":
        return isinstance(value, int)
    return isinstance(value, (int, float))  # number


def or_list(words):
    words = list(words)
    return words[0] if len(words) == 1 else "%s or %s" % (", ".join(words[:-1]), words[-1])


def must_of(schema):
    if "must" in schema:
        return schema["must"]
    if "ref" in schema:
        return must_of(SCHEMAS[schema["ref"]])
    if "enum" in schema:
        return or_list("null" if v is None else str(v) for v in schema["enum"])
    types = schema.get("type")
    if types is not None:
        return or_list(TYPE_WORDS[t] for t in ([types] if isinstance(types, str) else types))
    return "valid"


def label(path):
    return path or "the value"


def fail(schema, path, value):
    # A string is quoted in the message: which value it was is half of what to fix.
    shown = " %s" % quoted(value) if isinstance(value, str) else ""
    raise Problem(path, "%s%s must be %s" % (label(path), shown, must_of(schema)))


def child(path, key):
    return "%s.%s" % (path, key) if path else key


def check_node(value, schema, path, depth):
    if depth > MAX_DEPTH:
        raise Problem(path, "%s is nested too deeply" % label(path))
    if "ref" in schema:
        check_node(value, SCHEMAS[schema["ref"]], path, depth + 1)
        return
    types = schema.get("type")
    if types is not None:
        words = [types] if isinstance(types, str) else types
        if not any(is_type(value, w) for w in words):
            fail(schema, path, value)
    if "enum" in schema and not any(
        value == v and type(value) is type(v) for v in schema["enum"]
    ):
        fail(schema, path, value)
    if "anyOf" in schema:
        for option in schema["anyOf"]:
            try:
                check_node(value, option, path, depth + 1)
                break
            except Problem:
                continue
        else:
            fail(schema, path, value)
    if isinstance(value, str) and "pattern" in schema:
        if pattern_of(schema["pattern"]).search(value) is None:
            fail(schema, path, value)
    if is_type(value, "number") and "exclusiveMinimum" in schema:
        if not value > schema["exclusiveMinimum"]:
            fail(schema, path, value)
    if isinstance(value, dict):
        check_object(value, schema, path, depth)
    if isinstance(value, list):
        check_list(value, schema, path, depth)


def check_object(value, schema, path, depth):
    properties = schema.get("properties", {})
    for key in schema.get("required", ()):
        if key not in value:
            sub = properties.get(key, {})
            raise Problem(child(path, key), "%s must be %s" % (child(path, key), must_of(sub)))
    for key, sub in properties.items():
        if key in value:
            check_node(value[key], sub, child(path, key), depth + 1)
    if "values" in schema:
        for key, item in value.items():
            check_node(item, schema["values"], child(path, key), depth + 1)
    if "byField" in schema:
        case = schema["byField"]["cases"].get(value.get(schema["byField"]["field"]))
        if case is not None:
            check_node(value, case, path, depth + 1)


def check_list(value, schema, path, depth):
    if len(value) < schema.get("minItems", 0):
        fail(schema, path, value)
    if "items" in schema:
        for i, item in enumerate(value):
            check_node(item, schema["items"], "%s[%d]" % (path, i), depth + 1)
    unique = schema.get("uniqueKey")
    if unique is not None:
        seen = set()
        for i, item in enumerate(value):
            key = item.get(unique["key"]) if isinstance(item, dict) else None
            if not isinstance(key, str):
                continue
            folded = key.lower() if unique.get("ignoreCase") else key
            if folded in seen:
                where = "%s[%d].%s" % (path, i, unique["key"])
                raise Problem(
                    where,
                    "%s %s appears twice%s"
                    % (where, quoted(key), " (ignoring case)" if unique.get("ignoreCase") else ""),
                )
            seen.add(folded)


def quoted(text):
    return json.dumps(text, ensure_ascii=False)


COMPILED = {}


def pattern_of(text):
    if text not in COMPILED:
        COMPILED[text] = re.compile(text)
    return COMPILED[text]
