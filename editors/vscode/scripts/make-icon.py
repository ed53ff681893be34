#!/usr/bin/env python3
"""Draws icon.png (128x128): two arrows passing a conversation from the AI to a
person and back, on a rounded teal square. Pure Python (zlib + struct), no
imaging library; 4x4 supersampling for smooth edges.

    python3 scripts/make-icon.py [OUT]      (default: icon.png beside package.json)
"""
import os
import struct
import sys
import zlib

SIZE = 128
SS = 4  # supersampling per axis


def rounded_square(x, y, size, radius):
    cx = min(max(x, radius), size - radius)
    cy = min(max(y, radius), size - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2


def in_polygon(x, y, pts):
    inside = False
    j = len(pts) - 1
    for i in range(len(pts)):
        xi, yi = pts[i]
        xj, yj = pts[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def arrow(x0, x1, y, shaft, head_len, head_half, right):
    """A horizontal arrow from x0 to x1 at height y, pointing right or left."""
    if right:
        tip, base = x1, x1 - head_len
        return [(x0, y - shaft), (base, y - shaft), (base, y - head_half), (tip, y),
                (base, y + head_half), (base, y + shaft), (x0, y + shaft)]
    tip, base = x0, x0 + head_len
    return [(x1, y - shaft), (base, y - shaft), (base, y - head_half), (tip, y),
            (base, y + head_half), (base, y + shaft), (x1, y + shaft)]


TOP = arrow(26, 102, 47, 7, 24, 19, right=True)
BOTTOM = arrow(26, 102, 83, 7, 24, 19, right=False)


def sample(x, y):
    """RGBA of one sub-pixel sample, as floats 0..1 (premultiplied not needed)."""
    if not rounded_square(x, y, SIZE, 26):
        return (0.0, 0.0, 0.0, 0.0)
    if in_polygon(x, y, TOP):
        return (1.0, 1.0, 1.0, 1.0)
    if in_polygon(x, y, BOTTOM):
        return (1.0, 0.84, 0.42, 1.0)  # warm: the human side
    t = (x + y) / (2 * SIZE)  # diagonal gradient, teal to deep teal
    top = (0x14 / 255, 0xB8 / 255, 0xA6 / 255)
    bottom = (0x0F / 255, 0x4C / 255, 0x5C / 255)
    return tuple(a + (b - a) * t for a, b in zip(top, bottom)) + (1.0,)


def render():
    rows = []
    for py in range(SIZE):
        row = bytearray([0])  # filter: none
        for px in range(SIZE):
            acc = [0.0, 0.0, 0.0, 0.0]
            for sy in range(SS):
                for sx in range(SS):
                    r, g, b, a = sample(px + (sx + 0.5) / SS, py + (sy + 0.5) / SS)
                    acc[0] += r * a
                    acc[1] += g * a
                    acc[2] += b * a
                    acc[3] += a
            n = SS * SS
            alpha = acc[3] / n
            if alpha > 0:
                rgb = [acc[i] / acc[3] for i in range(3)]
            else:
                rgb = [0.0, 0.0, 0.0]
            row += bytes(int(round(c * 255)) for c in rgb) + bytes([int(round(alpha * 255))])
        rows.append(bytes(row))
    return b"".join(rows)


def png(width, height, raw):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "icon.png")
    with open(out, "wb") as f:
        f.write(png(SIZE, SIZE, render()))
    print(f"wrote {os.path.normpath(out)}")


if __name__ == "__main__":
    main()
