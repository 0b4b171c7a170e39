"""`biocube view` PNG maps decoded back with Python: size, colours at known cells (viridis of
the normalised value, NaN grey), two panels, coastlines from lsm."""
import struct
import zlib

import numpy as np
import zarr

LEFT, TOP, GAP, SCALE = 44, 34, 24, 3
NAN_COLOR = (205, 205, 205)
VIRIDIS = [(0.2777273272234177, 0.005407344544966578, 0.3340998053353061),
           (0.1050930431085774, 1.404613529898575, 1.384590162594685),
           (-0.3308618287255563, 0.214847559468213, 0.09509516302823659),
           (-4.634230498983486, -5.799100973351585, -19.33244095627987),
           (6.228269936347081, 14.17993336680509, 56.69055260068105),
           (4.776384997670288, -13.74514537774601, -65.35303263337234),
           (-5.435455855934631, 4.645852612178535, 26.3124352495832)]


def viridis(t):
    t = min(1.0, max(0.0, t))
    out = []
    for ch in range(3):
        v = 0.0
        for k in reversed(range(7)):
            v = v * t + VIRIDIS[k][ch]
        out.append(int(min(255, max(0, round(v * 255)))))
    return tuple(out)


def decode_png(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", None
    while pos < len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        crc, = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        assert zlib.crc32(kind + body) == crc, kind
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert (depth, color) == (8, 2)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    rows = np.frombuffer(raw, np.uint8).reshape(height, 1 + 3 * width)
    assert (rows[:, 0] == 0).all()
    return rows[:, 1:].reshape(height, width, 3)


def pixel(row, col, step, height, width):
    return LEFT + step * (width * SCALE + GAP) + col * SCALE + 1, TOP + (height - 1 - row) * SCALE + 1


def test_png_map_has_the_values_colours(biocube, pipeline, tmp_path):
    work = pipeline["work"]
    out = tmp_path / "land.png"
    biocube("view", work / "cube.zarr", "--variable", "Land", "--out", out)
    img = decode_png(out)
    g = zarr.open_group(work / "cube.zarr", mode="r")
    forest = np.array(g["land_variables/Land"][0:2])
    h, w = forest.shape[1:]
    assert img.shape == (TOP + h * SCALE + 70, LEFT + 2 * w * SCALE + GAP + 16, 3)
    lo, hi = np.nanmin(forest), np.nanmax(forest)
    lat = np.array(g["latitude"][:]); lon = np.array(g["longitude"][:])
    checked_nan = checked_value = 0
    for step in (0, 1):
        for r, c in [(int(np.argmin(abs(lat - la))), int(np.argmin(abs(lon - lo_)))) for la, lo_ in
                     [(40, -20), (50, 10), (60, 25), (45, 5), (55, 30), (70, 40), (35, 0)]]:
            x, y = pixel(r, c, step, h, w)
            got = tuple(int(v) for v in img[y, x])
            v = forest[step, r, c]
            if np.isnan(v):
                assert got == NAN_COLOR, (step, r, c, got)
                checked_nan += 1
            else:
                want = viridis((v - lo) / (hi - lo))
                assert max(abs(a - b) for a, b in zip(got, want)) <= 1 or (got == (0, 0, 0)), (step, r, c, got, want)
                checked_value += got != (0, 0, 0)
    assert checked_nan >= 2 and checked_value >= 4
    # Coastlines from lsm: black pixels inside the first panel.
    panel = img[TOP:TOP + h * SCALE, LEFT:LEFT + w * SCALE]
    assert (panel.sum(axis=2) == 0).sum() > 500


def test_view_refuses_an_unknown_variable(biocube, pipeline, tmp_path):
    run = biocube("view", pipeline["work"] / "cube.zarr", "--variable", "nope", "--out", tmp_path / "x.png", check=False)
    assert run.returncode != 0 and "nope" in run.stderr
