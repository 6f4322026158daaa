"""A harness started without site (-S) adds it where it needs third-party modules, once."""

import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

HARNESS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class EnsureSite(unittest.TestCase):
    def test_site_packages_appear_and_pth_files_run_once(self):
        with tempfile.TemporaryDirectory() as base:
            code = textwrap.dedent(
                """
                import importlib.util, os, site, sys
                sys.path.insert(0, %r)
                from kaggle_run_harness.startup import ensure_site
                folder = site.getusersitepackages()
                os.makedirs(folder)
                open(os.path.join(folder, "kr_site_probe.py"), "w").write("")
                open(os.path.join(folder, "kr_count.pth"), "w").write(
                    "import os; os.environ['KR_PTH_RUNS'] = str(int(os.environ.get('KR_PTH_RUNS', '0')) + 1)\\n")
                before = importlib.util.find_spec("kr_site_probe") is not None
                ensure_site()
                ensure_site()  # a batch's notebooks ask again: the .pth files must not run twice
                after = importlib.util.find_spec("kr_site_probe") is not None
                print(before, after, os.environ.get("KR_PTH_RUNS"), site.ENABLE_USER_SITE)
                """
                % HARNESS
            )
            env = dict(os.environ, PYTHONUSERBASE=base)
            env.pop("PYTHONNOUSERSITE", None)
            out = subprocess.run(
                [sys.executable, "-S", "-c", code], env=env, capture_output=True, text=True
            )
            self.assertEqual(out.returncode, 0, out.stderr)
            before, after, runs, user_site = out.stdout.split()
            if user_site != "True":
                self.skipTest("this interpreter has no user site (a venv, or setuid)")
            self.assertEqual((before, after, runs), ("False", "True", "1"))

    def test_with_site_loaded_it_changes_nothing(self):
        code = (
            "import sys; sys.path.insert(0, %r); n = len(sys.path)\n"
            "from kaggle_run_harness.startup import ensure_site; ensure_site()\n"
            "print(len(sys.path) == n)" % HARNESS
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        self.assertEqual(out.stdout.strip(), "True", out.stderr)


if __name__ == "__main__":
    unittest.main()
