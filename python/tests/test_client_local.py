"""The client against the real CLI on the local platform: typed records, events, typed
errors by exit code, outputs, and how the CLI is found."""

import hashlib
import json
import os
import unittest

from tests import support

support.require_build()

import kaggle_run  # noqa: E402
from kaggle_run import cli as cli_module  # noqa: E402

FAILING = {
    "kaggle-run.yaml": "name: failing\nentry: job.py\n",
    "job.py": (
        "import os\n"
        "os.makedirs('out', exist_ok=True)\n"
        "open('out/partial.txt', 'w').write('half done')\n"
        "raise SystemExit('the model diverged')\n"
    ),
}

ECHO = {
    "kaggle-run.yaml": (
        "name: echo\nentry: echo.py\n"
        "params: {flag: false, ratio: 0.5, label: x, empty: 'y'}\n"
    ),
    "echo.py": (
        "import json, os\n"
        "p = json.loads(os.environ['KAGGLE_RUN_PARAMS'])\n"
        "open('params.json', 'w').write(json.dumps(p, sort_keys=True))\n"
    ),
}


class LocalRuns(unittest.TestCase):
    def setUp(self):
        self.home = support.temp_dir(self)
        self.opts = dict(cli=support.BIN, env=support.client_env(self.home), quiet=True)

    def test_run_returns_a_typed_record_with_verified_outputs(self):
        project = support.copy_example(self, "hello")
        record = kaggle_run.run(project, params={"epochs": 2}, **self.opts)
        self.assertIsInstance(record, kaggle_run.RunRecord)
        self.assertEqual((record.status, record.exit_code, record.platform), ("complete", 0, "local"))
        self.assertTrue(record.ok)
        self.assertEqual(record.params["epochs"], 2)
        self.assertEqual(
            [o.path for o in record.outputs], ["results/metrics.json", "results/predictions.csv"]
        )
        metrics = record.path("results/metrics.json")
        with open(metrics, "rb") as f:
            data = f.read()
        self.assertEqual(hashlib.sha256(data).hexdigest(), record.outputs[0].sha256)
        self.assertEqual(json.loads(data)["epochs"], 2)
        with self.assertRaises(KeyError):
            record.path("results/nothing.json")

    def test_events_stream_the_log_and_end_with_done(self):
        project = support.copy_example(self, "hello")
        opts = dict(self.opts)
        del opts["quiet"]
        seen = list(kaggle_run.events(project, profile="quick", **opts))
        log = "".join(e.text for e in seen if e.type == "log")
        self.assertIn("epoch 1/1 loss=0.9000", log)
        self.assertNotIn("epoch 2/", log)
        self.assertEqual(seen[-1].type, "done")
        self.assertEqual(seen[-1].record.status, "complete")
        self.assertEqual([e.type for e in seen].count("done"), 1)

    def test_typed_params_reach_the_program_with_their_types(self):
        project = support.write_project(self, ECHO)
        params = {"flag": True, "ratio": 0.25, "label": 'a "quoted" value, with spaces', "empty": ""}
        record = kaggle_run.run(project, params=params, **self.opts)
        with open(record.path("params.json")) as f:
            self.assertEqual(json.load(f), params)
        with self.assertRaises(TypeError):
            kaggle_run.run(project, params={"label": ["a", "list"]}, **self.opts)

    def test_a_failing_program_raises_program_error_with_its_record(self):
        project = support.write_project(self, FAILING)
        with self.assertRaises(kaggle_run.ProgramError) as caught:
            kaggle_run.run(project, **self.opts)
        error = caught.exception
        self.assertEqual(error.exit_code, 1)
        self.assertIsNotNone(error.record)
        self.assertEqual(error.record.status, "error")
        self.assertEqual(error.run_id, error.record.run_id)
        self.assertIn("out/partial.txt", [o.path for o in error.record.outputs])
        record = kaggle_run.run(project, check=False, **self.opts)
        self.assertEqual((record.status, record.exit_code), ("error", 1))

    def test_bad_usage_raises_usage_error_and_nothing_runs(self):
        project = support.copy_example(self, "hello")
        with self.assertRaises(kaggle_run.UsageError) as caught:
            kaggle_run.run(project, profile="no-such-profile", **self.opts)
        self.assertEqual(caught.exception.exit_code, 2)
        self.assertIn("no-such-profile", caught.exception.message)
        self.assertIsNone(caught.exception.record)
        self.assertFalse(os.path.exists(os.path.join(project, ".kaggle-run", "runs")))

    def test_a_job_past_its_timeout_raises_timeout_error(self):
        project = support.write_project(
            self,
            {
                "kaggle-run.yaml": "name: slow\nentry: slow.py\ntimeout: 2s\n",
                "slow.py": "import time\nprint('started', flush=True)\ntime.sleep(120)\n",
            },
        )
        with self.assertRaises(kaggle_run.TimeoutError) as caught:
            kaggle_run.run(project, **self.opts)
        self.assertEqual(caught.exception.exit_code, 4)
        self.assertIsInstance(caught.exception, TimeoutError)  # the builtin, too
        self.assertEqual(caught.exception.record.status, "timeout")

    def test_show_and_outputs_copy_verified_files(self):
        project = support.copy_example(self, "hello")
        record = kaggle_run.run(project, **self.opts)
        shown = kaggle_run.show("last", project=project, cli=support.BIN, env=self.opts["env"])
        self.assertEqual(shown.run_id, record.run_id)
        dest = support.temp_dir(self)
        files = kaggle_run.outputs(
            record.run_id,
            project=project,
            globs=["results/*.json"],
            dest=dest,
            cli=support.BIN,
            env=self.opts["env"],
        )
        self.assertEqual([f.path for f in files], ["results/metrics.json"])
        with open(os.path.join(dest, "results", "metrics.json"), "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(), files[0].sha256)
        self.assertFalse(os.path.exists(os.path.join(dest, "results", "predictions.csv")))


LOOP = {
    "kaggle-run.yaml": "name: loopy\nentry: job.py\nparams: {word: ''}\n",
    "job.py": (
        "from kaggle_run_items import items\n"
        "for item in items():\n"
        "    with item:\n"
        "        if item.params['word'] == 'bad':\n"
        "            raise ValueError('no bad words')\n"
        "        open(item.path('w.txt'), 'w').write(item.params['word'] * 2)\n"
    ),
    "words.jsonl": "".join('{"word": "%s"}\n' % w for w in ["a", "b", "bad", "d", "e"]),
}


class Batches(unittest.TestCase):
    def test_run_batch_in_loop_mode_returns_each_item(self):
        project = support.write_project(self, LOOP)
        env = support.client_env(support.temp_dir(self))
        with self.assertRaises(kaggle_run.ProgramError) as caught:
            kaggle_run.run_batch(
                project, file=os.path.join(project, "words.jsonl"), per_session=3, mode="loop",
                cli=support.BIN, env=env,
            )
        self.assertIn("0003: ValueError: no bad words", caught.exception.message)
        result = kaggle_run.run_batch(
            project, file=os.path.join(project, "words.jsonl"), per_session=3, mode="loop",
            cli=support.BIN, env=env, check=False,
        )
        self.assertIsInstance(result, kaggle_run.BatchResult)
        self.assertEqual(result.exit_code, 1)
        self.assertEqual(
            [(i.id, i.status, i.chunk) for i in result.items],
            [("0001", "ok", 1), ("0002", "ok", 1), ("0003", "error", 1), ("0004", "ok", 2), ("0005", "ok", 2)],
        )
        self.assertEqual(len(result.points), 2)
        with open(os.path.join(result.item_dir("0004"), "w.txt")) as f:
            self.assertEqual(f.read(), "dd")


class FindingTheCli(unittest.TestCase):
    def setUp(self):
        saved = {k: os.environ.get(k) for k in ("KAGGLE_RUN_CLI", "PATH")}

        def restore():
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

        self.addCleanup(restore)

    def test_explicit_path_then_env_then_the_package_folder(self):
        self.assertEqual(kaggle_run.find_cli(support.BIN)[1:], [support.BIN])
        os.environ["KAGGLE_RUN_CLI"] = support.BIN
        self.assertEqual(kaggle_run.find_cli()[1:], [support.BIN])
        os.environ["KAGGLE_RUN_CLI"] = "  "  # blank counts as unset
        # Only node's folder on PATH: no kaggle-run there, so the checkout's own bin is used.
        os.environ["PATH"] = os.path.dirname(support.NODE)
        self.assertEqual(kaggle_run.find_cli()[1:], [support.BIN])

    def test_a_missing_cli_is_a_usage_error_saying_what_to_do(self):
        os.environ["KAGGLE_RUN_CLI"] = "/nonexistent/kaggle-run.js"
        with self.assertRaises(kaggle_run.CliNotFound) as caught:
            kaggle_run.find_cli()
        self.assertEqual(caught.exception.exit_code, 2)
        self.assertIn("/nonexistent/kaggle-run.js", caught.exception.message)
        self.assertIn("KAGGLE_RUN_CLI", caught.exception.message)

    def test_node_modules_bin_is_found_from_a_subfolder(self):
        root = support.temp_dir(self)
        bin_dir = os.path.join(root, "node_modules", ".bin")
        os.makedirs(bin_dir)
        target = os.path.join(bin_dir, "kaggle-run")
        with open(target, "w") as f:
            f.write("#!/bin/sh\n")
        sub = os.path.join(root, "src", "deep")
        os.makedirs(sub)
        self.assertEqual(cli_module._node_modules_bin(sub), target)
        self.assertIsNone(cli_module._node_modules_bin(support.temp_dir(self)))


if __name__ == "__main__":
    unittest.main()
