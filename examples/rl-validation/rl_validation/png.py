"""A line plot as a real PNG, written with zlib and struct only."""

import struct
import zlib


def _chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def line_plot(values, path, width=320, height=160):
    """White background, grey axes, the values as a blue line scaled to the height."""
    pixels = [[(255, 255, 255)] * width for _ in range(height)]
    for x in range(width):
        pixels[height - 1][x] = (128, 128, 128)
    for y in range(height):
        pixels[y][0] = (128, 128, 128)
    if values:
        low, high = min(values), max(values)
        span = (high - low) or 1.0
        for x in range(1, width):
            v = values[min(len(values) - 1, x * len(values) // width)]
            y = height - 2 - int((v - low) / span * (height - 3))
            pixels[y][x] = (31, 119, 180)
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(_chunk(b"IHDR", header))
        f.write(_chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(_chunk(b"IEND", b""))
