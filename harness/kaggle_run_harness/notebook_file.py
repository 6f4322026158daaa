"""Notebooks as files: checks, clearing, the injected parameters, run records."""

import json
import math
import os
import posixpath
import re
import uuid

from .contract import NOTEBOOK, contract_message, is_python_variable
from .errors import SetupError
from .files import iso_now
from .params import strict_json_value


# The tag papermill gives the marker cells it adds to a failed notebook; kaggle-run uses it
# too, so an executed notebook reads the same whichever of the two ran it.
ERROR_MARKER_TAG = "papermill-error-cell-tag"
ERROR_MARKER_ID = "papermill-error-cell"
ERROR_MARKER_STYLE = (
    "color:red; font-family:Helvetica Neue, Helvetica, Arial, sans-serif; font-size:2em;"
)


ANSI_PATTERN = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")


def cell_tags(cell):
    found = (cell.get("metadata") or {}).get("tags") or []
    return found if isinstance(found, list) else []


def parameters_cells(cells):
    return [
        i
        for i, c in enumerate(cells)
        if isinstance(c, dict) and c.get("cell_type") == "code" and NOTEBOOK["parametersTag"] in cell_tags(c)
    ]


def notebook_language(nb):
    """The kernel language the notebook names (lower case), or None when it names none."""
    metadata = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    for section in ("kernelspec", "language_info"):
        found = metadata.get(section)
        key = "language" if section == "kernelspec" else "name"
        if isinstance(found, dict) and isinstance(found.get(key), str) and found[key].strip():
            return found[key].strip().lower()
    return None


def kernel_label(nb):
    spec = (nb.get("metadata") or {}).get("kernelspec")
    if isinstance(spec, dict):
        return spec.get("display_name") or spec.get("name") or "?"
    return "?"


def load_notebook(data, entry):
    """Parses and checks a notebook file's bytes: an nbformat 4 notebook with cells, at most
    one `parameters` cell and a Python kernel. Raises SetupError saying what to fix, in the
    contract's words (the CLI checks the same before packing)."""

    def fail(check, **values):
        raise SetupError("notebook", contract_message("notebook", check, label=entry, **values))

    try:
        nb = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        fail("notUtf8", detail=error)
    except ValueError as error:
        fail("notJson", detail=error)
    if not isinstance(nb, dict) or "nbformat" not in nb:
        fail("notNotebook")
    if nb.get("nbformat") != NOTEBOOK["nbformat"]:
        fail("nbformat", nbformat=nb.get("nbformat"))
    cells = nb.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        fail("noCellList")
    if not cells:
        fail("noCells")
    tagged = parameters_cells(cells)
    if len(tagged) > 1:
        fail("twoParameterCells", count=len(tagged), cells=", ".join(str(i + 1) for i in tagged))
    language = notebook_language(nb)
    if language is not None and language != NOTEBOOK["language"]:
        fail("notPython", language=language, kernel=kernel_label(nb))
    return nb


def join_multiline(nb):
    """Joins the lists of lines nbformat stores multi-line text as, as nbformat's reader does
    (nbclient and this harness read a cell's source as one string)."""

    def join_bundle(bundle):
        if not isinstance(bundle, dict):
            return
        for key, value in list(bundle.items()):
            is_json = key == "application/json" or (
                key.startswith("application/") and key.endswith("+json")
            )
            if not is_json and isinstance(value, list) and all(isinstance(v, str) for v in value):
                bundle[key] = "".join(value)

    for cell in nb["cells"]:
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(str(line) for line in cell["source"])
        attachments = cell.get("attachments")
        if isinstance(attachments, dict):
            for attachment in attachments.values():
                join_bundle(attachment)
        if cell.get("cell_type") == "code" and isinstance(cell.get("outputs"), list):
            for output in cell["outputs"]:
                if not isinstance(output, dict):
                    continue
                if output.get("output_type") in ("execute_result", "display_data"):
                    join_bundle(output.get("data"))
                elif isinstance(output.get("text"), list):
                    output["text"] = "".join(output["text"])
    return nb


def prepare_cells(nb):
    """What an earlier run left in the file is not this run's: code cells lose their outputs
    and execution counts, and the marker cells of an earlier failure go, as in papermill."""
    nb["cells"] = [c for c in nb["cells"] if ERROR_MARKER_TAG not in cell_tags(c)]
    for cell in nb["cells"]:
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return nb


def python_literal(value):
    """Exact Python source for a settings value: str, int (any size), float (nan and inf
    too), bool, None, and lists and dicts of them."""
    if isinstance(value, float) and not math.isfinite(value):
        return "float(%r)" % repr(value)
    if isinstance(value, list):
        return "[%s]" % ", ".join(python_literal(v) for v in value)
    if isinstance(value, dict):
        return "{%s}" % ", ".join(
            "%s: %s" % (python_literal(k), python_literal(v)) for k, v in value.items()
        )
    return repr(value)


def inject_parameters(nb, params, entry="the notebook"):
    """Adds a papermill-style `injected-parameters` cell after the cell tagged `parameters`."""
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise SetupError("notebook", "the notebook has no cells list")
    # A notebook saved from an earlier papermill or kaggle-run run: drop its old values.
    cells[:] = [c for c in cells if NOTEBOOK["injectedTag"] not in cell_tags(c)]
    if not params:
        return
    bad = [n for n in params if not is_python_variable(n)]
    if bad:
        names = ", ".join(json.dumps(n, ensure_ascii=False) for n in bad)
        plural = "" if len(bad) == 1 else "s"
        message = contract_message("notebook", "notVariables", names=names, s=plural)
        raise SetupError("notebook", message)
    tagged = parameters_cells(cells)
    if not tagged:
        raise SetupError(
            "notebook",
            contract_message(
                "notebook", "noParametersCell", label=entry, names=", ".join(params)
            ),
        )
    source = "# Parameters\n" + "".join(
        "%s = %s\n" % (name, python_literal(value)) for name, value in params.items()
    )
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": [NOTEBOOK["injectedTag"]]},
        "outputs": [],
        "source": source,
    }
    if nb.get("nbformat_minor", 0) >= 5:
        cell["id"] = fresh_cell_id(cells, NOTEBOOK["injectedTag"])
    cells.insert(tagged[0] + 1, cell)


def fresh_cell_id(cells, wanted):
    ids = set(c.get("id") for c in cells)
    return uuid.uuid4().hex[:16] if wanted in ids else wanted


def record_run(nb, settings, entry, saved_as):
    """What ran, in the notebook's own metadata: the file alone says which values made it."""
    metadata = nb.setdefault("metadata", {})
    papermill = metadata.get("papermill") if isinstance(metadata.get("papermill"), dict) else {}
    papermill.update(
        parameters=strict_json_value(settings["params"]),
        input_path=entry,
        output_path=saved_as,
    )
    metadata["papermill"] = papermill
    metadata["kaggle_run"] = {
        "run_id": settings["runId"],
        "nonce": settings["nonce"],
        "parameters": strict_json_value(settings["params"]),
        "started_at": iso_now(),
        "ended_at": None,
        "status": "running",
        "exit_code": None,
        "failed_cell": None,
    }


def first_line(source):
    for line in str(source).splitlines():
        if line.strip():
            return line.strip()[:80]
    return ""


def add_error_markers(nb, index):
    """papermill's two marker cells: one at the top linking to one just before the failing
    cell (index into nb["cells"]). Returns the failing cell's new index."""
    cells = nb["cells"]
    count = cells[index].get("execution_count")
    top = (
        '<span style="%s">An Exception was encountered at '
        "'<a href=\"#%s\">In [%s]</a>'.</span>" % (ERROR_MARKER_STYLE, ERROR_MARKER_ID, count)
    )
    here = (
        '<span id="%s" style="%s">Execution using kaggle-run encountered an exception here '
        "and stopped:</span>" % (ERROR_MARKER_ID, ERROR_MARKER_STYLE)
    )

    def marker(source):
        cell = {"cell_type": "markdown", "metadata": {"tags": [ERROR_MARKER_TAG]}, "source": source}
        if nb.get("nbformat_minor", 0) >= 5:
            cell["id"] = uuid.uuid4().hex[:16]
        return cell

    cells.insert(index, marker(here))
    cells.insert(0, marker(top))
    return index + 2


def is_clean_exit(ename, evalue):
    """sys.exit(), sys.exit(0) and SystemExit(None) end a notebook successfully (papermill)."""
    return ename == "SystemExit" and str(evalue).strip() in ("", "0", "None")


def exit_status(ename, evalue):
    """The exit code a SystemExit asks for (sys.exit(3) -> 3), else 1."""
    if ename == "SystemExit":
        try:
            code = int(str(evalue).strip())
        except ValueError:
            return 1
        if 0 < code < 256:
            return code
    return 1


def plain_text(text):
    """A traceback without the terminal colours IPython adds."""
    return ANSI_PATTERN.sub("", text)


def notebook_positions(cells):
    """Each cell's 1-based position in the user's notebook (None for the injected cell)."""
    positions = []
    count = 0
    for cell in cells:
        if NOTEBOOK["injectedTag"] in cell_tags(cell):
            positions.append(None)
        else:
            count += 1
            positions.append(count)
    return positions


def cell_name(nb, positions, code_cells, index):
    """`cell 4 (code cell 3/7, In [3]): first line`: where a notebook stopped."""
    if index is None:
        return "the notebook"
    cell = nb["cells"][index]
    position = positions[index]
    count = cell.get("execution_count")
    parts = ["code cell %d/%d" % (code_cells.index(index) + 1, len(code_cells))]
    if count is not None:
        parts.append("In [%s]" % count)
    where = (
        "cell %d (%s)" % (position, ", ".join(parts))
        if position is not None
        else "the injected-parameters cell"
    )
    line = first_line(cell.get("source", ""))
    return "%s: %s" % (where, line) if line else where


def finish_record(nb, state, positions, failed_at):
    record = (nb.get("metadata") or {}).get("kaggle_run")
    if not isinstance(record, dict):
        return
    code = state.get("exitCode")
    record["ended_at"] = iso_now()
    record["exit_code"] = code
    record["status"] = (
        "complete" if code == 0 else "timeout" if state.get("failedStep") == "timeout" else "error"
    )
    if failed_at is not None:
        record["failed_cell"] = positions[failed_at]
    papermill = (nb.get("metadata") or {}).get("papermill")
    if isinstance(papermill, dict):
        papermill["exception"] = code != 0


def executed_path(working, entry):
    folder, name = posixpath.split(entry)
    stem = name[: -len(".ipynb")] if name.endswith(".ipynb") else name
    return os.path.join(working, *(folder.split("/") if folder else []), stem + ".executed.ipynb")
