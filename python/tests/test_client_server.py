"""The client against the real CLI and a real `kaggle-run server` on 127.0.0.1: a Kaggle
run, detach then attach, Ctrl-C in the host then attach, and a platform failure."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import unittest

from tests import support

support.require_build()

import kaggle_run  # noqa: E402

SLOW = {
    "kaggle-run.yaml": "name: slowish\nentry: job.py\noutputs: [done.txt]\n",
    "job.py": (
        "import time\n"
        "print('working', flush=True)\n"
        "time.sleep(4)\n"
        "open('done.txt', 'w').write('finished')\n"
    ),
}

# A host program: runs the job through the client and says how it ended, as JSON.
HOST = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import kaggle_run
try:
    kaggle_run.run(sys.argv[2], kaggle=True, endpoint=sys.argv[3], cli=sys.argv[4],
                   on_event=lambda e: print("working" if "working" in e.get("text", "") else e.type, flush=True))
    print(json.dumps({"ended": "complete"}))
except kaggle_run.Interrupted as error:
    print(json.dumps({"ended": "interrupted", "exitCode": error.exit_code}), flush=True)
"""


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerRuns(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = support.Server()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def setUp(self):
        self.env = support.client_env(support.temp_dir(self))
        self.opts = dict(cli=support.BIN, env=self.env)

    def test_a_kaggle_run_comes_back_as_a_record(self):
        project = support.copy_example(self, "hello")
        record = kaggle_run.run(
            project, kaggle=True, endpoint=self.server.url, params={"epochs": 1}, quiet=True, **self.opts
        )
        self.assertEqual((record.platform, record.status), ("kaggle", "complete"))
        self.assertEqual(record.kernel, "me/kaggle-run-hello")
        with open(record.path("results/metrics.json")) as f:
            self.assertEqual(json.load(f)["epochs"], 1)

    def test_events_are_the_libraries_typed_events(self):
        project = support.copy_example(self, "hello")
        stderr = []
        seen = list(
            kaggle_run.events(
                project, kaggle=True, endpoint=self.server.url, on_stderr=stderr.append, **self.opts
            )
        )
        types = [e.type for e in seen]
        for expected in ("resolved", "packed", "pushed", "status", "log", "output", "done"):
            self.assertIn(expected, types)
        self.assertEqual(types[-1], "done")
        self.assertLess(types.index("pushed"), types.index("output"))
        outputs = sorted(e.get("file")["path"] for e in seen if e.type == "output")
        self.assertEqual(outputs, [o.path for o in seen[-1].record.outputs])
        self.assertIn("epoch 3/3", "".join(e.text for e in seen if e.type == "log"))
        self.assertTrue(any("[kaggle-run]" in line for line in stderr))

    def test_a_cli_without_events_gives_the_same_record(self):
        from kaggle_run import client

        project = support.copy_example(self, "hello")
        command = kaggle_run.find_cli(support.BIN)
        self.assertTrue(client.supports_events(command))
        client._EVENTS_SUPPORT[tuple(command)] = False  # as an older CLI answers
        self.addCleanup(client._EVENTS_SUPPORT.pop, tuple(command))
        seen = list(kaggle_run.events(project, kaggle=True, endpoint=self.server.url, **self.opts))
        self.assertEqual({e.type for e in seen[:-1]}, {"log"})
        self.assertIn("epoch 3/3", "".join(e.text for e in seen))
        self.assertEqual((seen[-1].type, seen[-1].record.status), ("done", "complete"))

    def test_a_cli_that_refuses_events_is_driven_by_json_without_asking_first(self):
        from kaggle_run import client

        # A CLI that predates --events: it refuses the flag as commander does, exit 2.
        older = os.path.join(support.temp_dir(self), "kaggle-run-older")
        calls = older + ".calls"
        with open(older, "w") as f:
            f.write(
                "#!/bin/sh\n"
                'echo "$*" >> "%s"\n' % calls +
                'for a in "$@"; do [ "$a" = --events ] && '
                "{ echo \"error: unknown option '--events'\" >&2; exit 2; }; done\n"
                'exec "%s" "%s" "$@"\n' % (support.NODE, support.BIN)
            )
        os.chmod(older, 0o755)
        project = support.copy_example(self, "hello")
        command = kaggle_run.find_cli(older)
        self.addCleanup(client._EVENTS_SUPPORT.pop, tuple(command), None)
        stderr = []
        opts = dict(self.opts, cli=older)
        seen = list(
            kaggle_run.events(project, kaggle=True, endpoint=self.server.url, on_stderr=stderr.append, **opts)
        )
        self.assertEqual((seen[-1].type, seen[-1].record.status), ("done", "complete"))
        self.assertIn("epoch 3/3", "".join(e.text for e in seen))
        self.assertFalse(any("unknown option" in line for line in stderr))  # the refusal is not shown
        self.assertIs(client._EVENTS_SUPPORT[tuple(command)], False)
        with open(calls) as f:
            lines = f.read().splitlines()
        # One try with --events, then the run with --json; never a `run --help` first.
        self.assertEqual([("--events" in l, "--json" in l) for l in lines], [(True, False), (False, True)])
        # The real CLI: --events at once, no `run --help` asked before the run.
        real = kaggle_run.find_cli(support.BIN)
        client._EVENTS_SUPPORT.pop(tuple(real), None)
        seen = list(kaggle_run.events(project, kaggle=True, endpoint=self.server.url, **self.opts))
        self.assertIn("pushed", [e.type for e in seen])
        self.assertIs(client._EVENTS_SUPPORT[tuple(real)], True)

    def test_detach_then_attach(self):
        project = support.write_project(self, SLOW)
        run_id = kaggle_run.detach(project, kaggle=True, endpoint=self.server.url, **self.opts)
        self.assertIn("slowish", run_id)
        record = kaggle_run.attach(run_id, project=project, **self.opts)
        self.assertEqual((record.run_id, record.status), (run_id, "complete"))
        with open(record.path("done.txt")) as f:
            self.assertEqual(f.read(), "finished")

    def test_ctrl_c_in_the_host_leaves_the_run_attachable(self):
        project = support.write_project(self, SLOW)
        env = dict(os.environ)
        env.update(self.env)
        host = subprocess.Popen(
            [sys.executable, "-c", HOST, support.PYTHON_DIR, project, self.server.url, support.BIN],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            encoding="utf-8",
        )
        self.addCleanup(lambda: host.poll() is None and host.kill())
        seen = []
        for line in host.stdout:  # the host's events, one type a line
            seen.append(line.strip())
            if line.strip() == "working":  # the program runs on the server
                break
        self.assertIn("working", seen)
        host.send_signal(signal.SIGINT)
        rest = host.stdout.read()
        host.stdout.close()
        self.assertEqual(host.wait(timeout=60), 0)
        self.assertEqual(json.loads(rest.strip().splitlines()[-1]), {"ended": "interrupted", "exitCode": 130})
        record = kaggle_run.attach("last", project=project, **self.opts)
        self.assertEqual(record.status, "complete")
        self.assertEqual([o.path for o in record.outputs], ["done.txt"])

    def test_an_unreachable_endpoint_raises_platform_error(self):
        project = support.copy_example(self, "hello")
        started = time.monotonic()
        with self.assertRaises(kaggle_run.PlatformError) as caught:
            kaggle_run.run(
                project,
                kaggle=True,
                endpoint="http://127.0.0.1:%d" % closed_port(),
                quiet=True,
                wait_timeout=300,
                **self.opts
            )
        self.assertEqual(caught.exception.exit_code, 3)
        self.assertLess(time.monotonic() - started, 300)


if __name__ == "__main__":
    unittest.main()
