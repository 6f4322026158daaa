"""The code from a git repository at a pinned commit (code: git)."""

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

from .errors import SetupError
from .code_files import copy_code, member_path


def shown_url(url):
    """The URL without any user:password@ part, for messages."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@", r"\1", url)


GIT_TIMEOUT = 900.0
# What git prints when the server wants credentials it did not get (GitHub answers a
# private repository it cannot show with "Repository not found").
GIT_AUTH_HINTS = (
    "authentication failed",
    "could not read username",
    "could not read password",
    "terminal prompts disabled",
    "repository not found",
    "http basic: access denied",
    "the requested url returned error: 401",
    "the requested url returned error: 403",
    "invalid username or password",
)


def run_git(args, cwd, config, deadline):
    """Runs git, never prompting; returns (ok, output). `config` items go in as `-c`."""
    cmd = ["git"]
    for item in config:
        cmd += ["-c", item]
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="", SSH_ASKPASS="")
    env["GIT_SSH_COMMAND"] = "ssh -oBatchMode=yes"
    timeout = GIT_TIMEOUT
    if deadline is not None:
        timeout = min(timeout, max(1.0, deadline - time.monotonic()))
    try:
        done = subprocess.run(
            cmd + args,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        if deadline is not None and time.monotonic() >= deadline:
            raise SetupError("timeout", "fetching the code with git ran past the job's timeout")
        return False, "git %s did not finish within %d s" % (args[0], timeout)
    except OSError as error:
        raise SetupError("clone", "cannot run git: %s" % error)
    text = done.stdout.decode("utf-8", "replace").strip()
    return done.returncode == 0, text


def git_detail(output):
    lines = [line for line in output.splitlines() if line.strip()]
    return " / ".join(lines[-4:])[:600] or "no output"


def clone_code(ctx, settings, working, deadline):
    """Fetches the pinned commit of the code's repository and copies the job's folder of it."""
    code = settings["code"]
    url, commit, ref, token_secret = code["url"], code["commit"], code["ref"], code["tokenSecret"]
    shown = shown_url(url)
    if shutil.which("git") is None:
        raise SetupError(
            "clone",
            "git is not installed in this session (not on PATH), so the code cannot be fetched "
            "from %s; ship it as a dataset instead (code: dataset)" % shown,
        )
    # Protocol 2 lets a server hand out a commit by hash (git before 2.26 defaults to 0).
    config = ["protocol.version=2"]
    if token_secret is not None:
        token = ctx.secret_values.get(token_secret, "")
        basic = base64.b64encode(("x-access-token:" + token).encode("utf-8")).decode("ascii")
        ctx.mask.add(basic)
        # A header, never the URL: a URL with a token ends up in messages and in .git/config.
        config.append("http.extraHeader=Authorization: Basic " + basic)
    ctx.out.line("fetching %s at %s%s" % (shown, commit[:12], "" if ref is None else " (%s)" % ref))
    temp = tempfile.mkdtemp(prefix="kaggle-run-git-")
    repo = os.path.join(temp, "repo")
    try:
        ok, output = run_git(["init", "-q", repo], temp, [], deadline)
        if not ok:
            raise SetupError("clone", "git init failed: %s" % git_detail(output))
        have = False
        if ref is not None:
            ok, output = run_git(
                ["fetch", "-q", "--depth", "1", "--no-tags", url, ref], repo, config, deadline
            )
            have = ok and run_git(["cat-file", "-e", commit + "^{commit}"], repo, [], deadline)[0]
        if not have:
            # The ref moved or was deleted: ask for the commit itself (GitHub serves any
            # reachable commit by hash).
            ok, fetched = run_git(
                ["fetch", "-q", "--depth", "1", "--no-tags", url, commit], repo, config, deadline
            )
            if not ok:
                raise clone_error(shown, commit, ref, token_secret, fetched)
        ok, output = run_git(
            ["-c", "advice.detachedHead=false", "checkout", "-q", "--detach", commit],
            repo,
            [],
            deadline,
        )
        if not ok:
            raise SetupError(
                "clone", "cannot check out %s: %s" % (commit[:12], git_detail(output))
            )
        ok, head = run_git(["rev-parse", "HEAD"], repo, [], deadline)
        if not ok or head.strip() != commit:
            raise SetupError(
                "clone",
                "the checkout of %s is at %s, not at the pinned commit %s"
                % (shown, head.strip()[:40] or "nothing", commit),
            )
        subdir = code["subdir"]
        rel = member_path(subdir) if subdir not in ("", ".") else ""
        source = os.path.join(repo, *rel.split("/")) if rel else repo
        if not os.path.isdir(source):
            raise SetupError(
                "clone",
                "the folder %s is not in %s at %s; was the project folder committed?"
                % (json.dumps(subdir), shown, commit[:12]),
            )
        where = "%s at %s%s" % (shown, commit[:12], "" if not rel else " (%s/)" % rel)
        return copy_code(ctx, source, working, settings["entry"], where)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def clone_error(shown, commit, ref, token_secret, output):
    detail = git_detail(output)
    if any(hint in output.lower() for hint in GIT_AUTH_HINTS):
        if token_secret is None:
            advice = (
                "the repository looks private: create a Kaggle secret holding a token that can "
                "read it (e.g. GITHUB_TOKEN), attach it to this notebook (kernel editor: "
                "Add-ons > Secrets, tick it) and name it in the job: git: {token_secret: "
                "GITHUB_TOKEN}"
            )
        else:
            advice = (
                "the token in the Kaggle secret %s was refused: check that it can read this "
                "repository and has not expired" % token_secret
            )
        return SetupError("clone", "cannot fetch %s: %s; %s" % (shown, detail, advice))
    wanted = commit[:12] if ref is None else "%s (%s)" % (commit[:12], ref)
    return SetupError(
        "clone",
        "cannot fetch commit %s from %s: %s; check that it was pushed there (kaggle-run pushes "
        "it when it ships the code) and that the URL is right" % (wanted, shown, detail),
    )
