// A notebook pushed as-is (by the official CLI, to `kaggle-run server`) runs as Kaggle runs
// it: every cell in order, the executed copy kept as __notebook__.ipynb among the outputs.

export const NOTEBOOK_SOURCE_FILE = '__notebook_source__.ipynb';
export const EXECUTED_NOTEBOOK_FILE = '__notebook__.ipynb';

export function notebookRunnerSource(sourcePath: string): string {
  // The path travels as a JSON string literal, which is also a valid Python literal.
  return `
import json, os, sys, tempfile
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
source = ${JSON.stringify(sourcePath)}
nb = nbformat.read(source, as_version=4)
kernels = tempfile.mkdtemp()
os.makedirs(os.path.join(kernels, "kernels", "python3"))
with open(os.path.join(kernels, "kernels", "python3", "kernel.json"), "w") as f:
    json.dump({"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
               "display_name": "Python 3", "language": "python"}, f)
os.environ["JUPYTER_PATH"] = kernels
failed = False
try:
    NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": os.getcwd()}}).execute()
except CellExecutionError as error:
    print(str(error), file=sys.stderr)
    failed = True
finally:
    nbformat.write(nb, ${JSON.stringify(EXECUTED_NOTEBOOK_FILE)})
for cell in nb.cells:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            getattr(sys, output.get("name", "stdout")).write(output.get("text", ""))
sys.exit(1 if failed else 0)
`;
}
