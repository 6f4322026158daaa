"""A tiny stand-in for a TTS model: deterministic, pure Python, writes a real 16-bit mono WAV
whose length grows with the text. Loading it writes a large weights cache beside the output
(as real models do), which a Kaggle run must never bring back."""

import hashlib
import math
import os
import struct
import time
import wave

RATE = 16000
SECONDS_PER_CHAR = 0.04
# A real model takes seconds to load; VOICEGEN_LOAD_SECONDS makes that cost visible.
LOAD_SECONDS = float(os.environ.get("VOICEGEN_LOAD_SECONDS", "0.5"))
CACHE_BYTES = int(float(os.environ.get("VOICEGEN_CACHE_MB", "8")) * 1024 * 1024)


class Model(object):
    def __init__(self, provider, weights):
        self.provider = provider
        self.weights = weights  # 256 numbers derived from the cache: the "voice table"


def load_model(provider, cache_dir="."):
    """Builds (or reuses) `<provider>-weights.cache` in cache_dir, then reads its table."""
    path = os.path.join(cache_dir, "%s-weights.cache" % provider)
    if not os.path.exists(path) or os.path.getsize(path) != CACHE_BYTES:
        block = hashlib.sha256(provider.encode()).digest() * 2048  # 64 KiB
        with open(path + ".tmp", "wb") as f:
            for _ in range(CACHE_BYTES // len(block)):
                f.write(block)
            f.write(block[: CACHE_BYTES % len(block)])
        os.replace(path + ".tmp", path)
    with open(path, "rb") as f:
        head = f.read(256)
    time.sleep(LOAD_SECONDS)
    return Model(provider, list(head))


def reference_shift(reference_path):
    """Voice cloning, in miniature: the reference audio's bytes shift the pitch."""
    if not reference_path:
        return 0.0
    with open(reference_path, "rb") as f:
        return (sum(f.read()) % 97) / 97.0 * 60.0


def synthesize(model, text, voice, output_path, reference_path=None):
    """Writes the WAV for `text` and returns its length in seconds."""
    base = 110.0 + (sum(voice.encode("utf-8")) % 50) * 4 + reference_shift(reference_path)
    per_char = int(RATE * SECONDS_PER_CHAR)
    frames = bytearray()
    for n, char in enumerate(text):
        weight = model.weights[(ord(char) + n) % len(model.weights)]
        freq = base + weight
        for i in range(per_char):
            fade = min(1.0, i / 80.0, (per_char - i) / 80.0)
            value = 0.3 * fade * math.sin(2 * math.pi * freq * i / RATE)
            frames += struct.pack("<h", int(value * 32767))
    folder = os.path.dirname(output_path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    with wave.open(output_path, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(bytes(frames))
    return len(frames) / 2.0 / RATE
