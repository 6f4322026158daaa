"""Reading and checking the settings the renderer prepends (version 1)."""

import base64
import binascii
import json
import re

from .contract import ENV_NAME_PATTERN, ITEM_ID_PATTERN, SETTINGS_VERSION
from .errors import SetupError


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
    def fail(what):
        raise SetupError("settings", "the harness settings are malformed: %s" % what)

    if not isinstance(s, dict):
        fail("not a JSON object")
    if s.get("version") != SETTINGS_VERSION:
        raise SetupError(
            "settings",
            "settings version %r is not supported by this harness (it reads version %d); "
            "render it with the same kaggle-run version" % (s.get("version"), SETTINGS_VERSION),
        )
    for key in ("runId", "nonce", "entry", "accelerator"):
        if not isinstance(s.get(key), str):
            fail("%s must be a string" % key)
    if s.get("kind") not in ("script", "notebook"):
        fail("kind must be script or notebook")
    args = s.get("args")
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        fail("args must be a list of strings")
    params = s.get("params")
    if not isinstance(params, dict):
        fail("params must be an object")
    for name, value in params.items():
        if not is_param_value(value):
            fail("param %r must be a string, number, boolean, null, list or object" % name)
    if s.get("acceleratorKind") not in ("gpu", "tpu", "none"):
        fail("acceleratorKind must be gpu, tpu or none")
    if not isinstance(s.get("strictAccelerator"), bool):
        fail("strictAccelerator must be a boolean")
    req = s.get("requirements")
    if req is not None:
        ok = isinstance(req, dict) and (
            isinstance(req.get("file"), str)
            or (
                isinstance(req.get("packages"), list)
                and all(isinstance(p, str) for p in req["packages"])
            )
        )
        if not ok:
            fail("requirements must be null, {file} or {packages}")
    cache = s.get("wheelCache")
    if cache is not None and not (
        isinstance(cache, dict)
        and isinstance(cache.get("key"), str)
        and (cache.get("from") is None or isinstance(cache.get("from"), str))
    ):
        fail("wheelCache must be null or {key, from}")
    code = s.get("code")
    if not isinstance(code, dict) or code.get("mode") not in ("inline", "file", "git"):
        fail("code.mode must be inline, file or git")
    if code["mode"] == "file" and not isinstance(code.get("path"), str):
        fail("code.path must be a string")
    if code["mode"] == "git":
        check_git_code(code, fail)
    secrets = s.get("secrets")
    if not isinstance(secrets, list) or not all(is_env_name(n) for n in secrets):
        fail("secrets must be a list of variable names")
    env_file = s.get("envFile")
    if env_file is not None and not (
        isinstance(env_file, dict) and isinstance(env_file.get("path"), str)
    ):
        fail("envFile must be null or {path}")
    timeout = s.get("timeoutSeconds")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0
    ):
        fail("timeoutSeconds must be a positive number or null")
    if not isinstance(s.get("dropUnchangedCode", False), bool):
        fail("dropUnchangedCode must be a boolean")
    check_batch(s.get("batch"), fail)


def is_env_name(name):
    return isinstance(name, str) and ENV_NAME_PATTERN.match(name) is not None


def check_git_code(code, fail):
    for key in ("url", "commit", "subdir"):
        if not isinstance(code.get(key), str):
            fail("code.%s must be a string" % key)
    for key in ("ref", "tokenSecret"):
        if code.get(key) is not None and not isinstance(code.get(key), str):
            fail("code.%s must be a string or null" % key)
    # git reads an argument starting with '-' as an option, whatever its position.
    if code["url"] == "" or code["url"].startswith("-"):
        fail("code.url must be a repository URL")
    if code.get("ref") is not None and (code["ref"] == "" or code["ref"].startswith("-")):
        fail("code.ref must be a ref name")
    if not re.match(r"^([0-9a-f]{40}|[0-9a-f]{64})$", code["commit"]):
        fail("code.commit must be a full commit hash")
    if code.get("tokenSecret") is not None and not is_env_name(code["tokenSecret"]):
        fail("code.tokenSecret must be a secret name")


def is_param_value(value, depth=0):
    if depth > 100:
        return False
    if value is None or isinstance(value, (str, int, float, bool)):
        return True
    if isinstance(value, list):
        return all(is_param_value(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_param_value(v, depth + 1) for k, v in value.items())
    return False




def check_batch(batch, fail):
    if batch is None:
        return
    items = batch.get("items") if isinstance(batch, dict) else None
    if not isinstance(items, list) or not items:
        fail("batch must be null or {items: [...]} with at least one item")
    if batch.get("mode", "per-item") not in ("per-item", "loop"):
        fail("batch.mode must be per-item or loop")
    seen = set()
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            fail("each batch item must be {id, params}")
        item_id = item["id"]
        if not ITEM_ID_PATTERN.match(item_id):
            fail("batch item id %r cannot be a folder name" % item_id)
        if item_id.lower() in seen:
            fail("batch item id %r appears twice" % item_id)
        seen.add(item_id.lower())
        params = item.get("params")
        if not isinstance(params, dict):
            fail("batch item %r: params must be an object" % item_id)
        for name, value in params.items():
            if not (value is None or isinstance(value, (str, int, float, bool))):
                fail("batch item %r: param %r must be a string, number, boolean or null" % (
                    item_id,
                    name,
                ))
