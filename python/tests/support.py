"""What the client tests share: the real CLI of this checkout (node bin/kaggle-run.js, built
into dist/), a real `kaggle-run server` on 127.0.0.1 (port 0), and private copies of the
repository's examples in temp folders."""

import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
PYTHON_DIR = os.path.join(REPO, "python")
BIN = os.path.join(REPO, "bin", "kaggle-run.js")
NODE = shutil.which("node") or "node"
CLI = [NODE, BIN]
USER = {"KAGGLE_USERNAME": "me", "KAGGLE_KEY": "me-key-0123"}
# An interpreter for kernels and local runs: the test's own (nbformat is not needed here).
PYTHON = sys.executable
SERVER_START_TIMEOUT = 60


def _notebook_python():
    """Kernels that run notebooks need nbclient: Debian's python3 has it, pyenv's may not."""
    for candidate in (sys.executable, "/usr/bin/python3"):
        probe = subprocess.run(
            [candidate, "-c", "import nbclient, ipykernel"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if probe.returncode == 0:
            return candidate
    return sys.executable


NOTEBOOK_PYTHON = _notebook_python()

if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)


def require_build():
    if not os.path.isfile(os.path.join(REPO, "dist", "src", "cli", "main.js")):
        raise RuntimeError("the CLI is not built: run `npm run build` first")


def temp_dir(case, prefix="kaggle-run-py-"):
    path = tempfile.mkdtemp(prefix=prefix)
    case.addCleanup(shutil.rmtree, path, True)
    return path


def copy_example(case, name):
    """A private copy of examples/<name>, without any run store left in the repository."""
    dest = os.path.join(temp_dir(case), name)
    shutil.copytree(
        os.path.join(REPO, "examples", name),
        dest,
        ignore=shutil.ignore_patterns(".kaggle-run", "kaggle_results", "__pycache__"),
    )
    return dest


def write_project(case, files):
    """A project folder from {relative path: text}."""
    root = temp_dir(case)
    for rel, text in files.items():
        path = os.path.join(root, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    return root


def host_env(home, server=None):
    """The environment of an example host program: the client importable, the CLI named."""
    env = dict(os.environ)
    env.update(client_env(home))
    env.update(PYTHONPATH=PYTHON_DIR, KAGGLE_RUN_CLI=BIN)
    if server is not None:
        env["KAGGLE_RUN_ENDPOINT"] = server.url
    return env


def client_env(home):
    """The environment of a CLI the tests start: credentials for the server, no user config."""
    env = dict(USER)
    env.update(
        HOME=home,
        KAGGLE_CONFIG_DIR=home,
        KAGGLE_API_TOKEN="",
        KAGGLE_RUN_PYTHON=PYTHON,
        KAGGLE_RUN_NO_SANDBOX="1",
        KAGGLE_RUN_ENDPOINT="",
        CI="true",
        NO_COLOR="1",
    )
    return env


class Server:
    """`kaggle-run server` as a child process, on a free loopback port."""

    def __init__(self, *extra, python=PYTHON):
        self.data_dir = tempfile.mkdtemp(prefix="kaggle-run-py-server-")
        env = dict(os.environ)
        env.update(client_env(self.data_dir))
        self.proc = subprocess.Popen(
            CLI + ["server", "--port", "0", "--data-dir", self.data_dir, "--python", python] + list(extra),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            encoding="utf-8",
        )
        lines = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.proc.stdout.readline()), daemon=True).start()
        try:
            first = lines.get(timeout=SERVER_START_TIMEOUT)
        except queue.Empty:
            self.close()
            raise RuntimeError("kaggle-run server did not start within %d s" % SERVER_START_TIMEOUT)
        if not first.startswith("listening on "):
            err = self.proc.stderr.read() if self.proc.poll() is not None else ""
            self.close()
            raise RuntimeError("kaggle-run server did not start: %r %s" % (first, err))
        self.url = first[len("listening on "):].strip()
        # Keep reading so the server never blocks on a full pipe.
        self.readers = [
            threading.Thread(target=lambda p=pipe: [None for _ in p], daemon=True)
            for pipe in (self.proc.stdout, self.proc.stderr)
        ]
        for reader in self.readers:
            reader.start()

    def stats(self):
        import json
        import urllib.request

        import base64

        # The server shows an account its own figures only, so ask as the test account.
        basic = base64.b64encode(
            ("%s:%s" % (USER["KAGGLE_USERNAME"], USER["KAGGLE_KEY"])).encode("utf-8")
        ).decode("ascii")
        request = urllib.request.Request(
            self.url + "/_stats", headers={"Authorization": "Basic " + basic}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read().decode("utf-8"))

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for reader in getattr(self, "readers", []):
            reader.join(timeout=10)
        for pipe in (self.proc.stdout, self.proc.stderr):
            pipe.close()
        shutil.rmtree(self.data_dir, True)


# The example flows' servers, one per set of flags, shared by every test class that asks for
# the same one (each `kaggle-run server` start is a node start and an interpreter probe), and
# closed when the test process ends.
_SHARED = {}
# The faults every example's "under faults" flows run against.
FAULTS = ("--faults", "0.2", "--fault-seed", "11")


def shared_server(*extra):
    key = tuple(extra)
    if key not in _SHARED:
        import atexit

        server = Server(*extra, python=NOTEBOOK_PYTHON)
        atexit.register(server.close)
        _SHARED[key] = server
    return _SHARED[key]


class ExampleFlows(object):
    """Mixed into an example's flows: they run against the shared server of `server_args`."""

    server_args = ()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = shared_server(*cls.server_args)


class MeetsFaults(object):
    """Mixed in before an example's flows: run under FAULTS, each test meeting faults itself."""

    server_args = FAULTS

    def setUp(self):
        super().setUp()
        self.faults_before = sum(self.server.stats()["faults"].values())

    def tearDown(self):
        # Counted per test: the server is shared, and each flow must have met faults itself.
        faults = sum(self.server.stats()["faults"].values()) - self.faults_before
        self.assertGreater(faults, 0, "no fault was injected")
        super().tearDown()
