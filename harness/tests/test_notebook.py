"""The harness's notebook functions, on notebooks written by nbformat itself."""

import json
import os
import tempfile
import unittest

from kaggle_run_harness.context import RunContext
from kaggle_run_harness.errors import SetupError
from kaggle_run_harness.notebook_file import ERROR_MARKER_TAG, add_error_markers, cell_tags, exit_status, is_clean_exit, join_multiline, load_notebook, notebook_language, plain_text, prepare_cells, record_run
from kaggle_run_harness.notebook_run import SAVE_EVERY, SOCKET_PATH_MAX, kernel_config, save_interval, save_notebook

try:
    import nbformat
    from nbformat import v4
except ImportError:  # the unit tests run with an interpreter that has it; say so otherwise
    nbformat = None

needs_nbformat = unittest.skipIf(nbformat is None, "nbformat is not importable")


def saved(nb):
    """The bytes nbformat writes for nb: what Jupyter, VS Code and papermill save."""
    return nbformat.writes(nb).encode("utf-8")


def sample(minor=5, kernelspec=True):
    nb = v4.new_notebook()
    nb.cells = [
        v4.new_markdown_cell("# Title\nsecond line"),
        v4.new_code_cell("n = 3\ntitle = 'default'", metadata={"tags": ["parameters"]}),
        v4.new_code_cell("for i in range(n):\n    print(i)\n"),
    ]
    if kernelspec:
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.nbformat_minor = minor
    if minor < 5:
        for cell in nb.cells:
            cell.pop("id", None)
    return nb


@needs_nbformat
class LoadNotebook(unittest.TestCase):
    def test_nbformat_writes_sources_as_lists_and_they_are_joined(self):
        data = saved(sample())
        self.assertIsInstance(json.loads(data)["cells"][2]["source"], list)
        nb = join_multiline(load_notebook(data, "a.ipynb"))
        self.assertEqual(nb["cells"][2]["source"], "for i in range(n):\n    print(i)\n")
        self.assertEqual(nb["cells"][0]["source"], "# Title\nsecond line")

    def test_every_minor_version_loads(self):
        for minor in range(0, 6):
            with self.subTest(minor=minor):
                nb = load_notebook(saved(sample(minor)), "a.ipynb")
                self.assertEqual(nb["nbformat_minor"], minor)

    def test_outputs_and_attachments_are_joined_like_nbformat_reads_them(self):
        nb = sample()
        nb.cells[2].outputs = [
            v4.new_output("stream", name="stdout", text="0\n1\n2\n"),
            v4.new_output("display_data", data={"text/plain": "a\nb", "application/json": {"k": [1]}}),
        ]
        nb.cells[0].attachments = {"x.txt": {"text/plain": "one\ntwo\n"}}
        mine = join_multiline(load_notebook(saved(nb), "a.ipynb"))
        theirs = nbformat.reads(saved(nb).decode("utf-8"), as_version=4)
        self.assertEqual(mine["cells"], json.loads(json.dumps(theirs["cells"])))

    def test_widget_metadata_is_kept(self):
        nb = sample()
        nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2, "version_minor": 0}}
        loaded = load_notebook(saved(nb), "a.ipynb")
        self.assertIn("widgets", loaded["metadata"])

    def test_no_kernelspec_is_python(self):
        nb = load_notebook(saved(sample(kernelspec=False)), "a.ipynb")
        self.assertIsNone(notebook_language(nb))

    def test_language_info_names_the_language_without_a_kernelspec(self):
        nb = sample(kernelspec=False)
        nb.metadata["language_info"] = {"name": "R"}
        with self.assertRaises(SetupError) as caught:
            load_notebook(saved(nb), "a.ipynb")
        self.assertIn("runs on the r kernel", caught.exception.message)


class BadNotebooks(unittest.TestCase):
    def refused(self, data, *fragments):
        with self.assertRaises(SetupError) as caught:
            load_notebook(data, "nb.ipynb")
        self.assertEqual(caught.exception.step, "notebook")
        for fragment in fragments:
            self.assertIn(fragment, caught.exception.message)

    def test_invalid_json(self):
        self.refused(b'{"cells": [', "nb.ipynb is not valid JSON")

    def test_not_utf8(self):
        self.refused(b'{"cells": "\xff"}', "is not UTF-8")

    def test_nbformat_3(self):
        self.refused(json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": []}).encode(), "nbformat 3", "nbconvert")

    def test_not_a_notebook(self):
        self.refused(b"[1, 2]", "is not a Jupyter notebook")

    def test_no_cells(self):
        self.refused(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}).encode(), "has no cells")

    def test_two_parameters_cells(self):
        cell = {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "x = 1", "outputs": [], "execution_count": None}
        nb = {"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [cell, dict(cell)]}
        self.refused(json.dumps(nb).encode(), "has 2 cells tagged 'parameters' (cells 1, 2)")

    def test_r_kernel(self):
        nb = {
            "nbformat": 4,
            "nbformat_minor": 4,
            "metadata": {"kernelspec": {"name": "ir", "display_name": "R", "language": "R"}},
            "cells": [{"cell_type": "code", "metadata": {}, "source": "1", "outputs": [], "execution_count": None}],
        }
        self.refused(json.dumps(nb).encode(), "runs on the r kernel (R)", "Python notebooks only")


class PrepareCells(unittest.TestCase):
    def test_outputs_counts_and_error_markers_of_an_earlier_run_go(self):
        nb = {
            "nbformat": 4,
            "nbformat_minor": 5,
            "cells": [
                {"cell_type": "markdown", "metadata": {"tags": [ERROR_MARKER_TAG]}, "source": "An Exception"},
                {"cell_type": "code", "metadata": {}, "execution_count": 7, "source": "x", "outputs": [{"output_type": "stream", "name": "stdout", "text": "accuracy=0.99\n"}]},
                {"cell_type": "markdown", "metadata": {}, "source": "kept"},
            ],
        }
        prepare_cells(nb)
        self.assertEqual([c["cell_type"] for c in nb["cells"]], ["code", "markdown"])
        self.assertEqual(nb["cells"][0]["outputs"], [])
        self.assertIsNone(nb["cells"][0]["execution_count"])


class ErrorMarkers(unittest.TestCase):
    def test_two_markers_like_papermill(self):
        nb = {"nbformat": 4, "nbformat_minor": 5, "cells": [
            {"cell_type": "code", "execution_count": 1, "source": "a", "metadata": {}, "outputs": []},
            {"cell_type": "code", "execution_count": 2, "source": "b", "metadata": {}, "outputs": []},
        ]}
        index = add_error_markers(nb, 1)
        cells = nb["cells"]
        self.assertEqual(index, 3)
        self.assertEqual(cells[3]["source"], "b")
        self.assertEqual([ERROR_MARKER_TAG in cell_tags(c) for c in cells], [True, False, True, False])
        self.assertIn('<a href="#papermill-error-cell">In [2]</a>', cells[0]["source"])
        self.assertIn('id="papermill-error-cell"', cells[2]["source"])
        prepare_cells(nb)
        self.assertEqual([c["source"] for c in nb["cells"]], ["a", "b"])


class SystemExitRules(unittest.TestCase):
    def test_clean_exits(self):
        for evalue in ("", "0", "None"):
            self.assertTrue(is_clean_exit("SystemExit", evalue))
        self.assertFalse(is_clean_exit("SystemExit", "3"))
        self.assertFalse(is_clean_exit("ValueError", ""))

    def test_exit_status(self):
        self.assertEqual(exit_status("SystemExit", "3"), 3)
        self.assertEqual(exit_status("SystemExit", "bye"), 1)
        self.assertEqual(exit_status("ValueError", "3"), 1)

    def test_plain_text_drops_terminal_colours(self):
        self.assertEqual(plain_text("\x1b[0;31mValueError\x1b[0m: boom\x1b[1;32m"), "ValueError: boom")


@needs_nbformat
class SaveNotebook(unittest.TestCase):
    def test_normal_form_as_nbformat_writes_it(self):
        nb = join_multiline(load_notebook(saved(sample()), "a.ipynb"))
        node = nbformat.from_dict(nb)
        folder = tempfile.mkdtemp()
        path = os.path.join(folder, "out.ipynb")
        save_notebook(RunContext(), nbformat, node, path)
        with open(path, "rb") as f:
            written = f.read()
        self.assertEqual(written, (nbformat.writes(node) + "\n").encode("utf-8"))
        self.assertIsInstance(json.loads(written)["cells"][1]["source"], list)
        self.assertEqual(os.listdir(folder), ["out.ipynb"])


class RecordRun(unittest.TestCase):
    def test_metadata_says_which_values_ran(self):
        nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"papermill": {"version": "2.6.0"}}, "cells": []}
        settings = {"runId": "run-7", "nonce": "n", "params": {"lr": 1.0, "bad": float("nan")}}
        record_run(nb, settings, "a.ipynb", "a.executed.ipynb")
        meta = nb["metadata"]
        self.assertEqual(meta["papermill"]["parameters"], {"lr": 1.0, "bad": "nan"})
        self.assertEqual(meta["papermill"]["version"], "2.6.0")
        self.assertEqual(meta["kaggle_run"]["run_id"], "run-7")
        json.dumps(meta, allow_nan=False)  # standard JSON: every Jupyter tool can read it


class SaveInterval(unittest.TestCase):
    def test_30_s_unless_the_session_sets_a_positive_number(self):
        cases = {None: SAVE_EVERY, "2.5": 2.5, " 1 ": 1.0, "0": SAVE_EVERY, "-3": SAVE_EVERY, "x": SAVE_EVERY, "inf": SAVE_EVERY}
        old = os.environ.pop("KAGGLE_RUN_NOTEBOOK_SAVE_SECONDS", None)
        try:
            for text, expected in cases.items():
                if text is None:
                    os.environ.pop("KAGGLE_RUN_NOTEBOOK_SAVE_SECONDS", None)
                else:
                    os.environ["KAGGLE_RUN_NOTEBOOK_SAVE_SECONDS"] = text
                self.assertEqual(save_interval(), expected, text)
        finally:
            os.environ.pop("KAGGLE_RUN_NOTEBOOK_SAVE_SECONDS", None)
            if old is not None:
                os.environ["KAGGLE_RUN_NOTEBOOK_SAVE_SECONDS"] = old
        self.assertEqual(SAVE_EVERY, 30.0)


if __name__ == "__main__":
    unittest.main()


@needs_nbformat
class KernelTransport(unittest.TestCase):
    def test_unix_sockets_in_the_runs_folder_unless_the_path_is_too_long(self):
        short = kernel_config("/tmp/kaggle-run-kernel-x")["KernelManager"]
        self.assertEqual((short["transport"], short["ip"]), ("ipc", "/tmp/kaggle-run-kernel-x/kernel"))
        long_folder = "/tmp/" + "d" * SOCKET_PATH_MAX
        self.assertNotIn("KernelManager", kernel_config(long_folder))
