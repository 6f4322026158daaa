"""examples/voicegen end to end: the voicegenhub host program (on the Python client) against
a real `kaggle-run server`, as its users run it: qwen and chatterbox on the GPU path with
only the .wav coming back, a reference voice uploaded as data, edge falling back locally
with a warning, a batch of 30 texts that loads the model once per session; and the remote
flows again under injected faults (20% of requests). The servers are shared with the other
example's flows (support.shared_server)."""

import importlib.util
import os
import subprocess
import sys
import unittest

from tests import support

support.require_build()

import kaggle_run  # noqa: E402

HOST_TIMEOUT = 600
TEXTS = ["Sentence %d, read in a calm voice." % n for n in range(1, 31)]


def load_tts(example):
    spec = importlib.util.spec_from_file_location("voicegen_tts", os.path.join(example, "voicegen", "tts.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class VoicegenFlows(support.ExampleFlows):
    """The flows; each subclass runs them against its own server."""

    def setUp(self):
        self.example = support.copy_example(self, "voicegen")
        self.cwd = support.temp_dir(self)
        self.env = support.host_env(support.temp_dir(self), self.server)
        self.tts = load_tts(self.example)
        # The syntheses done here for comparison need no pretend model-loading time.
        self.tts.LOAD_SECONDS = 0

    def host(self, *args):
        done = subprocess.run(
            [sys.executable, os.path.join(self.example, "voicegenhub")] + list(args),
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            encoding="utf-8",
            timeout=HOST_TIMEOUT,
        )
        return done

    def expected_wav(self, text, voice="Ryan", provider="qwen", reference=None):
        """The same synthesis done here: the bytes the Kaggle run must bring back."""
        model = self.tts.load_model(provider, cache_dir=support.temp_dir(self))
        path = os.path.join(support.temp_dir(self), "expected.wav")
        self.tts.synthesize(model, text, voice, path, reference)
        with open(path, "rb") as f:
            return f.read()

    def read(self, *parts):
        with open(os.path.join(self.cwd, *parts), "rb") as f:
            return f.read()

    def test_chatterbox_clones_a_reference_voice_uploaded_as_data(self):
        reference = os.path.join(self.cwd, "ryan-reference.wav")
        model = self.tts.load_model("edge", cache_dir=support.temp_dir(self))
        self.tts.synthesize(model, "my own voice", "Me", reference)
        before = self.server.stats()
        done = self.host(
            "synthesize", "Clone this", "--provider", "chatterbox", "--gpu",
            "--reference-audio", reference, "--output", "cloned.wav",
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        expected = self.expected_wav("Clone this", provider="chatterbox", reference=reference)
        self.assertEqual(self.read("cloned.wav"), expected)
        self.assertNotEqual(expected, self.expected_wav("Clone this", provider="chatterbox"))
        after = self.server.stats()
        self.assertGreater(after["bytesUploaded"], before["bytesUploaded"])
        record = kaggle_run.show(
            "last", project=os.path.join(self.cwd, ".voicegen", "chatterbox"), cli=support.BIN, env=self.env
        )
        self.assertEqual([o.path for o in record.outputs], ["cloned.wav"])
        # Only the .wav came back, never the 8 MiB weights cache beside it (faults or not).
        self.assertLess(after["bytesServed"] - before["bytesServed"], self.tts.CACHE_BYTES // 4)

    def test_a_batch_of_30_texts_loads_the_model_once_per_session(self):
        with open(os.path.join(self.cwd, "texts.txt"), "w") as f:
            f.write("\n".join(TEXTS) + "\n")
        before = self.server.stats()["pushes"]
        done = self.host(
            "synthesize", "--texts-file", "texts.txt", "--provider", "qwen", "--gpu", "--output-dir", "voices"
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("[voicegen] 30 of 30 texts in voices (2 sessions)", done.stderr)
        self.assertEqual(done.stderr.count("qwen model loaded"), 2)
        pushes = self.server.stats()["pushes"]
        for chunk in ("me/kaggle-run-voicegen-qwen-batch-1", "me/kaggle-run-voicegen-qwen-batch-2"):
            self.assertEqual(pushes.get(chunk, 0) - before.get(chunk, 0), 1)
        self.assertEqual(sorted(os.listdir(os.path.join(self.cwd, "voices"))), ["%04d.wav" % n for n in range(1, 31)])
        for n in (1, 15, 16, 30):
            self.assertEqual(self.read("voices", "%04d.wav" % n), self.expected_wav(TEXTS[n - 1]))


class OnTheServer(VoicegenFlows, unittest.TestCase):
    # Not repeated under faults: the chatterbox flow takes the same single-text path there.
    def test_qwen_on_the_gpu_brings_back_only_the_wav(self):
        before = self.server.stats()
        done = self.host(
            "synthesize", "Hello world", "--provider", "qwen", "--voice", "Ryan", "--gpu", "--output", "generated.wav"
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("wrote generated.wav (qwen on Kaggle", done.stdout)
        self.assertIn("[voicegen] pushed me/kaggle-run-voicegen-qwen", done.stderr)
        self.assertIn("wrote generated.wav: 0.44 s of audio", done.stderr)  # the kernel's log
        self.assertEqual(self.read("generated.wav"), self.expected_wav("Hello world"))
        record = kaggle_run.show(
            "last", project=os.path.join(self.cwd, ".voicegen", "qwen"), cli=support.BIN, env=self.env
        )
        self.assertEqual([o.path for o in record.outputs], ["generated.wav"])
        # The 8 MiB weights cache written beside the .wav was never downloaded.
        served = self.server.stats()["bytesServed"] - before["bytesServed"]
        self.assertLess(served, self.tts.CACHE_BYTES // 4)

    def test_edge_has_no_kaggle_support_so_gpu_warns_and_runs_locally(self):
        before = self.server.stats()["requestsTotal"]
        done = self.host("synthesize", "Hello world", "--provider", "edge", "--gpu", "--output", "edge.wav")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("warning: provider edge has no Kaggle support; running locally", done.stderr)
        self.assertEqual(self.read("edge.wav"), self.expected_wav("Hello world", provider="edge"))
        self.assertEqual(self.server.stats()["requestsTotal"], before)  # /_stats is not counted
        self.assertFalse(os.path.exists(os.path.join(self.cwd, ".voicegen")))


class UnderFaults(support.MeetsFaults, VoicegenFlows, unittest.TestCase):
    pass


if __name__ == "__main__":
    unittest.main()
