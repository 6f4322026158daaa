"""The console and kaggle-run.log: live output, teed, with secret values masked."""

import re
import sys
import threading

from .contract import MASK_MIN


class Masker:
    """Replaces secret values by *** in what the harness prints and logs.

    A value shorter than MASK_MIN is not masked: "1", "yes" or "gpu" occur everywhere, so
    masking them would garble every line while hiding nothing an attacker could not guess.
    Output arrives in chunks cut anywhere, so a stream's tail that could be the start of a
    value is held back until the next chunk shows whether it is; a value is never printed in
    two halves. Text that cannot start a value is never held.
    """

    def __init__(self):
        self.values = []
        self.pattern = None
        self.held = {}

    def add(self, value):
        if not isinstance(value, str):
            return
        # The whole value, and each of its lines: a multi-line key printed with other line
        # ends is still caught line by line.
        for text in [value] + value.splitlines():
            data = text.encode("utf-8", "replace")
            if len(data) >= MASK_MIN and data not in self.values:
                self.values.append(data)
        # Longest first: the regex takes the first alternative that matches at a position.
        self.values.sort(key=len, reverse=True)
        if self.values:  # an empty pattern would match between every two bytes
            self.pattern = re.compile(b"|".join(re.escape(v) for v in self.values))

    def bytes(self, data):
        return data if self.pattern is None else self.pattern.sub(b"***", data)

    def text(self, value):
        if self.pattern is None or not isinstance(value, str):
            return value
        return self.bytes(value.encode("utf-8", "surrogateescape")).decode(
            "utf-8", "surrogateescape"
        )

    def stream(self, name, data):
        """The masked part of a stream's data that is safe to write now."""
        if self.pattern is None:
            return data
        data = self.bytes(self.held.pop(name, b"") + data)
        keep = 0
        for value in self.values:
            for size in range(min(len(value) - 1, len(data)), keep, -1):
                if data.endswith(value[:size]):
                    keep = size
                    break
        if keep:
            self.held[name] = data[-keep:]
            data = data[:-keep]
        return data

    def flush(self, name):
        return self.held.pop(name, b"")



class Output:
    """Writes to our stdout/stderr live and tees everything into kaggle-run.log."""

    def __init__(self, mask):
        self.mask = mask
        self.lock = threading.Lock()
        self.log = None
        self.decoders = {}

    def open_log(self, path):
        try:
            self.log = open(path, "ab")
        except OSError as error:
            self.line("warning: cannot write %s: %s" % (path, error), "stderr")

    def close_log(self):
        with self.lock:
            if self.log is not None:
                try:
                    self.log.close()
                except OSError:
                    pass
                self.log = None

    def write(self, name, data, to_log=True, flush=False):
        stream = sys.stderr if name == "stderr" else sys.stdout
        with self.lock:
            data = self.mask.stream(name, data) + (self.mask.flush(name) if flush else b"")
            if not data:
                return
            try:
                buffer = getattr(stream, "buffer", None)
                if buffer is not None:
                    stream.flush()
                    buffer.write(data)
                    buffer.flush()
                else:
                    # A stream without bytes underneath (IPython): decode across chunk edges.
                    decoder = self.decoders.get(name)
                    if decoder is None:
                        import codecs

                        decoder = codecs.getincrementaldecoder("utf-8")("replace")
                        self.decoders[name] = decoder
                    stream.write(decoder.decode(data))
                    stream.flush()
            except (OSError, ValueError):
                pass  # a closed console must not stop the run; the log still gets it
            if to_log and self.log is not None:
                try:
                    self.log.write(data)
                    self.log.flush()
                except OSError:
                    pass

    def line(self, text, name="stdout", to_log=True):
        self.write(name, ("[kaggle-run] %s\n" % text).encode("utf-8", "replace"), to_log)
