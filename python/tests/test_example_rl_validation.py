"""examples/rl-validation end to end: the orchestrator (entry_points/cli.py, on the Python
client) against a real `kaggle-run server`: quick and full, dqn and ppo at the same time,
cpu and gpu, the repository shipped inline, as a dataset and by git (a local bare
repository as origin), results in kaggle_results/<kernel>/; and the same under injected
faults (20% of requests). The servers are shared with the other example's flows."""

import json
import os
import struct
import subprocess
import sys
import unittest
import zlib

from tests import support

support.require_build()

HOST_TIMEOUT = 600
RESULTS = [
    "session_summary.json",
    "validation_results/evaluation_results.json",
    "validation_results/plots/training_curve.png",
    "validation_results/training_metrics.json",
]


def git(cwd, *args):
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t"] + list(args),
        cwd=cwd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8",
    ).stdout.strip()


def png_size(path):
    """(width, height) of a PNG, after checking its signature and every chunk's CRC."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    at, size = 8, None
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, "bad CRC in %r" % kind
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        at += 12 + length
    return size


class RlFlows(support.ExampleFlows):
    def setUp(self):
        self.repo = support.copy_example(self, "rl-validation")
        self.env = support.host_env(support.temp_dir(self), self.server)

    def start(self, *args):
        return subprocess.Popen(
            [sys.executable, os.path.join(self.repo, "entry_points", "cli.py")] + list(args),
            cwd=self.repo, env=self.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8",
        )

    def finish(self, proc):
        out, err = proc.communicate(timeout=HOST_TIMEOUT)
        self.assertEqual(proc.returncode, 0, err)
        return out

    def results(self, kernel):
        folder = os.path.join(self.repo, "kaggle_results", kernel)
        found = sorted(
            os.path.relpath(os.path.join(d, n), folder).replace(os.sep, "/")
            for d, _dirs, names in os.walk(folder) for n in names
        )
        self.assertEqual(found, RESULTS)
        with open(os.path.join(folder, "validation_results", "training_metrics.json")) as f:
            metrics = json.load(f)
        self.assertEqual(png_size(os.path.join(folder, "validation_results", "plots", "training_curve.png")), (320, 160))
        return folder, metrics

    def last_record(self):
        import kaggle_run

        return kaggle_run.show("last", project=self.repo, cli=support.BIN, env=self.env)

    def test_full_ppo_on_the_cpu_with_the_repository_as_a_dataset(self):
        out = self.finish(self.start("run", "--kaggle", "--algorithm", "ppo", "--device", "cpu", "--code", "dataset"))
        self.assertIn("[rl] step 2000/2000", out)
        _folder, metrics = self.results("kaggle-run-rl-validation")
        self.assertEqual((metrics["algorithm"], metrics["steps"]), ("ppo", 2000))
        record = self.last_record()
        self.assertEqual((record.accelerator, record.raw["shipping"]["mode"]), ("none", "dataset"))

    def test_the_repository_by_git_from_its_origin(self):
        bare = os.path.join(support.temp_dir(self), "origin.git")
        git(self.repo, "init", "-q", "--bare", bare)
        git(self.repo, "init", "-q", "-b", "main")
        git(self.repo, "add", "-A")
        git(self.repo, "commit", "-qm", "validation")
        git(self.repo, "remote", "add", "origin", bare)
        git(self.repo, "push", "-q", "origin", "main")
        head = git(self.repo, "rev-parse", "HEAD")
        self.finish(self.start("run", "--kaggle", "--quick-test", "--algorithm", "dqn", "--code", "git"))
        self.results("kaggle-run-rl-validation")
        shipping = self.last_record().raw["shipping"]
        self.assertEqual((shipping["mode"], shipping["commit"]), ("git", head))
        self.assertEqual(git(self.repo, "status", "--porcelain"), "")  # results are ignored files

    def test_quick_dqn_and_ppo_on_the_gpu_at_the_same_time_with_the_repository_inline(self):
        dqn = self.start("run", "--kaggle", "--quick-test", "--algorithm", "dqn", "--device", "gpu")
        ppo = self.start("run", "--kaggle", "--quick-test", "--algorithm", "ppo", "--device", "gpu")
        outs = [self.finish(dqn), self.finish(ppo)]
        for out in outs:
            self.assertIn("[rl] step 200/200", out)  # progress, as it streamed
            self.assertRegex(out, r"\[rl\] pushed me/kaggle-run-rl-validation(-2)?\n")
        kernels = sorted(os.listdir(os.path.join(self.repo, "kaggle_results")))
        self.assertEqual(len(kernels), 2, kernels)  # each run on its own kernel, neither lost
        found = sorted((m["algorithm"], m["steps"]) for m in (self.results(k)[1] for k in kernels))
        self.assertEqual(found, [("dqn", 200), ("ppo", 200)])
        record = self.last_record()
        self.assertEqual((record.accelerator, record.raw["shipping"]["mode"]), ("t4x2", "inline"))


class OnTheServer(RlFlows, unittest.TestCase):
    def test_info_names_the_cli_it_drives(self):
        out = self.finish(self.start("info"))
        self.assertIn("kaggle-run: %s %s" % (support.NODE, support.BIN), out)
        self.assertIn("algorithms: dqn, ppo", out)


class UnderFaults(support.MeetsFaults, RlFlows, unittest.TestCase):
    pass


if __name__ == "__main__":
    unittest.main()
