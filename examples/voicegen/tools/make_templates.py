"""Writes voicegen/templates/<provider>.ipynb as Jupyter writes them (nbformat 4.5, list
sources, cell ids). Run with a Python that has nbformat: python3 tools/make_templates.py"""

import os

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, os.pardir, "voicegen", "templates")

PARAMETERS = '''TEXT = "Hello world"
VOICE_ID = "Ryan"
OUTPUT_FILE = "generated.wav"
REFERENCE_AUDIO = ""  # a file under the voice-ref input, for voice cloning'''

LOAD = '''import os
import tts

INPUT = os.environ.get("KAGGLE_RUN_INPUT_DIR", "/kaggle/input")
INPUTS = __import__("json").loads(os.environ.get("KAGGLE_RUN_INPUTS") or "{}")
reference = os.path.join(INPUTS.get("voice-ref", os.path.join(INPUT, "voice-ref")), REFERENCE_AUDIO) if REFERENCE_AUDIO else None
model = tts.load_model("{provider}", cache_dir=".")  # the weights cache stays in the session
print("{provider} model loaded")'''

SPEAK = '''if os.environ.get("KAGGLE_RUN_ITEMS_FILE"):
    # A batch in loop mode: the model above is loaded once for all of this session's texts.
    from kaggle_run_items import items

    for item in items():
        with item:
            seconds = tts.synthesize(model, item.params["TEXT"], item.params["VOICE_ID"],
                                     item.path(item.params["OUTPUT_FILE"]), reference)
            print("%s: %.2f s of audio" % (item.id, seconds))
else:
    seconds = tts.synthesize(model, TEXT, VOICE_ID, OUTPUT_FILE, reference)
    print("wrote %s: %.2f s of audio" % (OUTPUT_FILE, seconds))'''


def template(provider):
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        new_markdown_cell("# voicegen: %s on a Kaggle GPU" % provider),
        new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell(LOAD.replace("{provider}", provider)),
        new_code_cell(SPEAK),
    ]
    for n, cell in enumerate(nb.cells):
        cell["id"] = "%s-%d" % (provider, n)
    nbformat.validate(nb)
    return nb


if __name__ == "__main__":
    for provider in ("qwen", "chatterbox"):
        path = os.path.join(OUT, "%s.ipynb" % provider)
        nbformat.write(template(provider), path)
        print("wrote", os.path.relpath(path))
