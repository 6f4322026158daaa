"""What both batch modes share: the items folder and the tail of an item's stderr."""

from .contract import CONTRACT

ITEMS_DIR = CONTRACT["files"]["items"]
ITEM_ERROR_LINES = 5
ITEM_TAIL_BYTES = 8192


class StderrTail:
    """Keeps the end of what is written to stderr while one item runs: its error lines."""

    def __init__(self, out):
        self.out = out
        self.data = b""

    def __enter__(self):
        original = self.out.write

        def write(name, data, to_log=True, flush=False):
            if name == "stderr" and data:
                self.data = (self.data + data)[-ITEM_TAIL_BYTES:]
            original(name, data, to_log, flush)

        self.out.write = write  # an instance attribute: pump() and out.line() go through it
        return self

    def __exit__(self, *_exc):
        self.out.__dict__.pop("write", None)
        return False

    def text(self):
        lines = self.data.decode("utf-8", "replace").splitlines()
        kept = [l.rstrip() for l in lines if l.strip() and not l.startswith("[kaggle-run]")]
        return "\n".join(kept[-ITEM_ERROR_LINES:])
