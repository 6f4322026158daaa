"""The Kaggle part of voicegenhub, on the kaggle-run Python client: a job folder per
provider (its notebook template and the model code), one run per text, or a batch that
loads the model once per session for many texts. Everything else (packing, pushing,
waiting, bringing back only the .wav, verifying it) is kaggle-run's."""

import json
import os
import shutil
import sys

import kaggle_run

from .providers import template_for

HERE = os.path.dirname(os.path.abspath(__file__))
# Items per session: 30 texts on two GPU sessions are two chunks of 15.
PER_SESSION = 15


def say(text):
    sys.stderr.write("[voicegen] %s\n" % text)
    sys.stderr.flush()


def progress(event):
    if event.type == "log":
        sys.stderr.write(event.text)
    elif event.type == "pushed":
        say("pushed %s, waiting for a GPU" % event.get("handle", {}).get("kernel"))
    elif event.type == "status":
        say("kernel %s" % event.get("status"))
    elif event.type == "output":
        say("fetched %s" % event.get("file", {}).get("path"))


def job_folder(provider, workdir):
    """`.voicegen/<provider>/`: kaggle-run.yaml, the notebook and tts.py."""
    folder = os.path.join(workdir, ".voicegen", provider)
    os.makedirs(folder, exist_ok=True)
    shutil.copyfile(template_for(provider), os.path.join(folder, "synthesize.ipynb"))
    shutil.copyfile(os.path.join(HERE, "tts.py"), os.path.join(folder, "tts.py"))
    spec = [
        "name: voicegen-%s" % provider,
        "entry: synthesize.ipynb",
        "accelerator: t4x2",
        'outputs: ["*.wav"]  # never the weights cache written beside it',
        "timeout: 30m",
    ]
    with open(os.path.join(folder, "kaggle-run.yaml"), "w") as f:
        f.write("\n".join(spec) + "\n")
    return folder


def reference_data(reference):
    """The reference voice as this run's data: /kaggle/input/.../voice-ref/<file>."""
    return {"voice-ref": os.path.abspath(reference)} if reference else None


def params(text, voice, output_name, reference):
    return {
        "TEXT": text,
        "VOICE_ID": voice,
        "OUTPUT_FILE": output_name,
        "REFERENCE_AUDIO": os.path.basename(reference) if reference else "",
    }


def synthesize(provider, text, voice, output, reference=None, workdir="."):
    """One text on a Kaggle GPU; the .wav lands at `output`. Returns the run record."""
    folder = job_folder(provider, workdir)
    name = os.path.basename(output)
    # The .wav straight to `output`: the run fails if the notebook did not write it.
    record = kaggle_run.run(
        folder,
        kaggle=True,
        params=params(text, voice, name, reference),
        output_files={name: os.path.abspath(output)},
        data=reference_data(reference),
        on_event=progress,
    )
    say("%s -> %s (run %s)" % (record.kernel, output, record.run_id))
    return record


def synthesize_many(provider, texts, voice, output_dir, reference=None, workdir=".", mode="loop"):
    """Many texts as one batch: texts[n] -> <output_dir>/<n>.wav. Returns the batch result."""
    folder = job_folder(provider, workdir)
    inputs = os.path.join(workdir, ".voicegen", "%s-texts.jsonl" % provider)
    with open(inputs, "w") as f:
        for n, text in enumerate(texts, 1):
            item = dict(params(text, voice, "speech.wav", reference), id="%04d" % n)
            f.write(json.dumps(item) + "\n")
    with open(os.path.join(folder, "kaggle-run.yaml"), "a") as f:
        f.write("batch: {file: %s, id: id}\n" % json.dumps(os.path.abspath(inputs)))
    result = kaggle_run.run_batch(
        folder,
        kaggle=True,
        per_session=PER_SESSION,
        mode=mode,
        data=reference_data(reference),
        check=False,
    )
    os.makedirs(output_dir, exist_ok=True)
    for item in result.items:
        if item.status == "ok":
            source = os.path.join(result.item_dir(item.id), "speech.wav")
            shutil.copyfile(source, os.path.join(output_dir, "%s.wav" % item.id))
        else:
            say("text %s: %s (%s)" % (item.id, item.status, item.error))
    ok = sum(1 for i in result.items if i.status == "ok")
    say("%d of %d texts in %s (%d sessions)" % (ok, len(texts), output_dir, len(result.points)))
    return result
