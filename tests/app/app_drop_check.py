#!/usr/bin/env python3
"""The files app_drop.sh drops and the checks of what the app made of them (python3 only).

usage: app_drop_check.py points FILE.csv          a ring of 3,000 points, header x,y
       app_drop_check.py garbage FILE.csv         a .csv that is no list of points
       app_drop_check.py session S.flowlab FILE.csv
           the saved session's target is FILE.csv's points (kind, name, count, values)
       app_drop_check.py banner SHOT.png MIN
           the screenshot shows at least MIN pixels in the banner's text colour
"""

import base64
import json
import math
import random
import struct
import sys
import zlib

RING_POINTS = 3000
# The error banner's text colour, ImVec4(1.0, 0.62, 0.5) in app/panels/session_panel.cpp.
BANNER_RGB = (255, 158, 128)


def write_points(path):
    rng = random.Random(7)
    with open(path, "w") as f:
        f.write("x,y\n")
        for _ in range(RING_POINTS):
            angle, radius = rng.uniform(0, 2 * math.pi), rng.gauss(2.0, 0.12)
            f.write(f"{radius * math.cos(angle):.5f},{radius * math.sin(angle):.5f}\n")


def write_garbage(path):
    with open(path, "w") as f:
        f.write("x,y\n1.0,2.0\nthis is not,a number\n\x01\x02garbage\n")


def read_csv_points(path):
    with open(path) as f:
        rows = f.read().split("\n")[1:]
    return [float(v) for row in rows if row for v in row.split(",")]


def check_session(session_path, csv_path):
    """Returns the problems found: the target must be the points of csv_path, as dropped."""
    with open(session_path) as f:
        target = json.load(f)["target"]
    expected = read_csv_points(csv_path)
    if target.get("kind") != "points":
        return [f"the target is {target.get('kind')} '{target.get('name')}', not the points"]
    problems = []
    if not target.get("name", "").endswith(csv_path):
        problems.append(f"the target is named '{target.get('name')}', not after {csv_path}")
    if target.get("count") != len(expected) // 2:
        problems.append(f"the target has {target.get('count')} points, the file {len(expected) // 2}")
    raw = base64.b64decode(target["points"])  # float32, little-endian: x0, y0, x1, y1, ...
    values = struct.unpack(f"<{len(raw) // 4}f", raw)
    if len(values) != len(expected) or any(abs(a - b) > 1e-5 for a, b in zip(values, expected)):
        problems.append("the target's points are not the file's")
    return problems


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def unfilter(kind, row, prior, bpp):
    """Undoes one PNG row filter (PNG specification, section 9)."""
    out = bytearray(row)
    if kind == 1:
        for i in range(bpp, len(out)):
            out[i] = (out[i] + out[i - bpp]) & 0xFF
    elif kind == 2:
        out = bytearray((x + y) & 0xFF for x, y in zip(row, prior))
    elif kind == 3:
        for i in range(len(out)):
            left = out[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + ((left + prior[i]) >> 1)) & 0xFF
    elif kind == 4:
        for i in range(len(out)):
            left, upleft = (out[i - bpp], prior[i - bpp]) if i >= bpp else (0, 0)
            out[i] = (out[i] + paeth(left, prior[i], upleft)) & 0xFF
    return out


def read_png(path):
    """(width, height, channels, rows) of an 8-bit RGB or RGBA, non-interlaced PNG (what the
    app's screenshots are), with no imaging library."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is no PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"{path}: only 8-bit RGB/RGBA non-interlaced PNGs are read here")
    channels = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * channels
    rows, prior = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        prior = unfilter(raw[start], raw[start + 1:start + 1 + stride], prior, channels)
        rows.append(prior)
    return width, height, channels, rows


def banner_pixels(png_path):
    width, _, channels, rows = read_png(png_path)
    r0, g0, b0 = BANNER_RGB
    return sum(1 for row in rows for i in range(0, width * channels, channels)
               if abs(row[i] - r0) <= 2 and abs(row[i + 1] - g0) <= 2 and abs(row[i + 2] - b0) <= 2)


def main(argv):
    if len(argv) == 3 and argv[1] == "points":
        write_points(argv[2])
    elif len(argv) == 3 and argv[1] == "garbage":
        write_garbage(argv[2])
    elif len(argv) == 4 and argv[1] == "session":
        problems = check_session(argv[2], argv[3])
        for p in problems:
            print(f"app_drop_check: {p}", file=sys.stderr)
        if problems:
            return 1
        print(f"app_drop_check: the session's target is the dropped points ({argv[3]})")
    elif len(argv) == 4 and argv[1] == "banner":
        count = banner_pixels(argv[2])
        print(f"app_drop_check: {count} pixels in the banner's text colour")
        if count < int(argv[3]):
            print("app_drop_check: no error banner on screen", file=sys.stderr)
            return 1
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
