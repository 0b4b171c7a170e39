"""NDVI from Copernicus Land: `biocube ingest ndvi` on synthetic 1 km and 300 m products with
known per-cell means (flags, water and bare pixels mixed in), the table extended without
touching what it had, a build past 2020-06 using the new months, the difference to the
original's nearest-pixel sampling, and `biocube download ndvi` against a fake manifest server."""
import os
import subprocess

import netCDF4
import numpy as np
import pytest
import zarr

from loopback import LoopbackHandler, LoopbackServer

RNG = np.random.default_rng(2020)
WINDOW = (47.0, 49.0, 6.0, 10.0)  # south, north, west, east: France / Switzerland / Germany


def product(path, res, raw):
    """A product over WINDOW at `res` degrees whose pixels hold `raw` (uint8, rows north→south)."""
    s, n, w, e = WINDOW
    rows, cols = raw.shape
    with netCDF4.Dataset(path, "w") as ds:
        ds.createDimension("time", 1)
        ds.createDimension("lat", rows)
        ds.createDimension("lon", cols)
        t = ds.createVariable("time", "f8", ("time",))
        t.units = "days since 1970-01-01"
        t[:] = [0]
        la = ds.createVariable("lat", "f8", ("lat",))
        la[:] = n - (np.arange(rows) + 0.5) * res
        lo = ds.createVariable("lon", "f8", ("lon",))
        lo[:] = w + (np.arange(cols) + 0.5) * res
        v = ds.createVariable("NDVI", "u1", ("time", "lat", "lon"), zlib=True, fill_value=255)
        v.set_auto_maskandscale(False)
        v.scale_factor = 0.004
        v.add_offset = -0.08
        v.valid_range = np.array([0, 250], dtype="u1")
        v[0, :, :] = raw


def pixel_cells(res, shape):
    s, n, w, e = WINDOW
    lat = n - (np.arange(shape[0]) + 0.5) * res
    lon = w + (np.arange(shape[1]) + 0.5) * res
    return np.floor((lat - 32) / 0.25 + 0.5).astype(int), np.floor((lon + 25) / 0.25 + 0.5).astype(int)


def known_product(path, res):
    """Every cell's vegetated pixels share one raw value k(cell) ≥ 70 (NDVI 0.004 k − 0.08);
    a fifth of the pixels are flags (251–255) or bare (raw 30, NDVI 0.04). Returns the
    expected {(row, col): text} and the raw array."""
    s, n, w, e = WINDOW
    shape = (round((n - s) / res), round((e - w) / res))
    rr, cc = pixel_cells(res, shape)
    k = 70 + (rr[:, None] * 7 + cc[None, :] * 3) % 181
    raw = k.astype(np.uint8)
    noise = RNG.random(shape)
    raw[noise < 0.05] = 255
    raw[(noise >= 0.05) & (noise < 0.1)] = 253
    raw[(noise >= 0.1) & (noise < 0.2)] = 30
    product(path, res, raw)
    expected = {}
    for r in np.unique(rr):
        for c in np.unique(cc):
            block = raw[np.ix_(rr == r, cc == c)]
            good = block[(block <= 250) & (block * 0.004 - 0.08 >= 0.2)]
            if good.size:
                expected[(int(r), int(c))] = (f"{good.astype(float).mean() * 0.004 - 0.08:.4f}", int(good.size))
    return expected


def read_table(path, sep=","):
    import csv
    with open(path, newline="") as f:
        rows = list(csv.reader(f, delimiter=sep))
    return rows[0], rows[1:]


@pytest.mark.parametrize("res,label", [(1 / 112, "1km"), (1 / 336, "300m")])
def test_known_means_at_each_resolution(biocube, tmp_path, res, label):
    name = f"c_gls_NDVI{'300' if label == '300m' else ''}_202007110000_GLOBE_{'OLCI_V2.0.1' if label == '300m' else 'PROBAV_V3.0.1'}.nc"
    expected = known_product(tmp_path / name, res)
    out = tmp_path / "Land" / "Europe_ndvi_monthly_un_025.csv"
    out.parent.mkdir()
    biocube("ingest", "ndvi", tmp_path / name, "--out", out)
    header, rows = read_table(out)
    assert header == ["Country", "Latitude", "Longitude", "NDVI_07/2020"]
    got = {(round((float(r[1]) - 32) / 0.25), round((float(r[2]) + 25) / 0.25)): r[3] for r in rows}
    assert len(got) >= 0.9 * len(expected), (len(got), len(expected))  # cells outside every country are left out
    for cell, text in got.items():
        assert text == expected[cell][0], cell
    countries = {r[0] for r in rows}
    assert {"France", "Germany", "Switzerland"} <= countries
    _, counts = read_table(str(out)[:-4] + "_pixels.tsv", "\t")
    assert {(round((float(r[1]) - 32) / 0.25), round((float(r[2]) + 25) / 0.25)): int(r[3]) for r in counts} == {
        c: expected[c][1] for c in got}


def test_append_keeps_what_was_there_and_a_build_uses_the_new_months(biocube, tmp_path):
    root = tmp_path / "BioCube"
    biocube("sample", root, "--start", "2020-05", "--end", "2020-08")
    table = root / "Land" / "Europe_ndvi_monthly_un_025.csv"
    before = table.read_bytes()
    header_before, rows_before = read_table(table)
    assert "NDVI_07/2020" in header_before  # the sample writes its own months: they are kept
    july = known_product(tmp_path / "c_gls_NDVI300_202007110000_GLOBE_OLCI_V2.0.1.nc", 1 / 336)
    sept = known_product(tmp_path / "c_gls_NDVI300_202009110000_GLOBE_OLCI_V2.0.1.nc", 1 / 336)
    refused = biocube("ingest", "ndvi", tmp_path / "c_gls_NDVI300_202009110000_GLOBE_OLCI_V2.0.1.nc", "--out", table,
                      check=False)
    assert refused.returncode == 1 and "--append" in refused.stderr and table.read_bytes() == before
    run = biocube("ingest", "ndvi", *sorted(tmp_path.glob("c_gls_*.nc")), "--out", table, "--append").stdout
    assert "kept as they are: 07/2020" in run and "1 month(s) added (09/2020)" in run
    after = table.read_bytes().decode().splitlines()
    old = before.decode().splitlines()
    assert after[0] == old[0] + ",NDVI_09/2020"
    for a, b in zip(after[1:], old[1:]):
        assert a.startswith(b + ","), "existing rows keep their bytes"
    # A build over a span ending after 2020-06 (ERA5 2020-07 … 2020-09) stores the ingested
    # September values.
    biocube("sample", tmp_path / "B2", "--start", "2020-07", "--end", "2020-09")
    (tmp_path / "B2" / "Land" / "Europe_ndvi_monthly_un_025.csv").write_bytes(table.read_bytes())
    biocube("build", tmp_path / "B2", "--store", tmp_path / "cube.zarr")
    g = zarr.open_group(tmp_path / "cube.zarr", mode="r")
    ndvi = g["vegetation_variables/NDVI"]
    times = list(g["time"][:])
    assert len(times) == 3
    plane = ndvi[2]
    header, rows = read_table(table)
    written = {(round((float(r[1]) - 32) / 0.25), round((float(r[2]) + 25) / 0.25)) for r in rows if r[-1]}
    checked = 0
    for (r, c), (text, _) in sept.items():
        if (r, c) in written:
            assert abs(plane[r, c] - float(text)) < 1e-6, (r, c)
            checked += 1
    assert checked >= 0.9 * len(sept)


def test_every_pixel_against_the_original_nearest_pixel_sampling(biocube, tmp_path, capsys):
    """Pixels vary within each cell: BioCube's mean equals the mean of every valid vegetated
    pixel; the original's (the pixel nearest each 0.1° point, then averaged per 0.25° cell)
    is off. The measured difference is printed for Documentation/Sources.md."""
    res = 1 / 112
    s, n, w, e = WINDOW
    shape = (round((n - s) / res), round((e - w) / res))
    raw = RNG.integers(60, 251, size=shape).astype(np.uint8)
    raw[RNG.random(shape) < 0.1] = 255
    name = "c_gls_NDVI_202008110000_GLOBE_PROBAV_V3.0.1.nc"
    product(tmp_path / name, res, raw)
    out = tmp_path / "t.csv"
    biocube("ingest", "ndvi", tmp_path / name, "--out", out)
    _, rows = read_table(out)
    rr, cc = pixel_cells(res, shape)
    phys = raw * 0.004 - 0.08
    ok = (raw <= 250) & (phys >= 0.2)
    lat = n - (np.arange(shape[0]) + 0.5) * res
    lon = w + (np.arange(shape[1]) + 0.5) * res
    ours, original = [], []
    samples = {}
    for la in np.arange(s, n + 1e-9, 0.1):
        for lo in np.arange(w, e + 1e-9, 0.1):
            i, j = np.abs(lat - la).argmin(), np.abs(lon - lo).argmin()
            if ok[i, j]:
                key = (int(round(np.round(la / 0.25) * 0.25 / 0.25 - 32 / 0.25)), int(round(np.round(lo / 0.25) * 0.25 / 0.25 + 25 / 0.25)))
                samples.setdefault(key, []).append(phys[i, j])
    for r in rows:
        cell = (round((float(r[1]) - 32) / 0.25), round((float(r[2]) + 25) / 0.25))
        block = ok[np.ix_(rr == cell[0], cc == cell[1])]
        truth = phys[np.ix_(rr == cell[0], cc == cell[1])][block].mean()
        ours.append(abs(float(r[3]) - truth))
        if cell in samples:
            original.append(abs(np.mean(samples[cell]) - truth))
    assert max(ours) <= 5e-5 + 1e-9  # only the four-decimal rounding
    print(f"\nNDVI per-cell error vs every-pixel mean: BioCube max {max(ours):.5f}; original nearest-pixel "
          f"sampling mean {np.mean(original):.4f}, max {np.max(original):.4f} over {len(original)} cells")
    assert np.mean(original) > 10 * max(ours)


class FakeLand(LoopbackServer):
    def __init__(self, files, cut=None):
        self.files, self.cut, self.log = files, cut, []
        fake = self

        class Handler(LoopbackHandler):
            def do_GET(self):
                fake.log.append(self.path)
                if self.path == "/manifest.txt":
                    return self.reply(200, "\n".join(f"{fake.url}/products/{d}/{name}" for name, d in
                                                     [(k, k.split("_")[3][:8]) for k in fake.files]).encode(),
                                      {"Content-Type": "text/plain"})
                name = self.path.rsplit("/", 1)[-1]
                if name in fake.files:
                    n = sum(p.endswith(name) for p in fake.log)
                    return self.reply_file(fake.files[name], "application/x-netcdf",
                                           len(fake.files[name]) // 2 if name == fake.cut and n == 1 else None)
                return self.reply(404, {"error": "no"})

        super().__init__(Handler)


def test_download_selects_one_dekad_per_month_resumes_and_reruns(biocube, tmp_path):
    files = {}
    for d in ["20200701", "20200711", "20200721", "20200811", "20200911", "20210111"]:
        name = f"c_gls_NDVI300_{d}0000_GLOBE_OLCI_V2.0.1.nc"
        product(tmp_path / name, 1 / 56, RNG.integers(0, 250, size=(112, 224)).astype(np.uint8))
        files[name] = (tmp_path / name).read_bytes()
    with FakeLand(files, cut="c_gls_NDVI300_202008110000_GLOBE_OLCI_V2.0.1.nc") as land:
        out = tmp_path / "dl"
        run = biocube("download", "ndvi", "--from", "2020-07", "--to", "2020-12", "--out", out,
                      "--manifest", land.url + "/manifest.txt").stdout
        assert "done: 3 monthly product(s)" in run
        got = sorted(p.name for p in out.glob("*.nc"))
        assert got == [f"c_gls_NDVI300_2020{m}110000_GLOBE_OLCI_V2.0.1.nc" for m in ("07", "08", "09")]
        for g in got:
            assert (out / g).read_bytes() == files[g]
        fetched = len([p for p in land.log if p.startswith("/products/")])
        again = biocube("download", "ndvi", "--from", "2020-07", "--to", "2020-12", "--out", out,
                        "--manifest", land.url + "/manifest.txt").stdout
        assert "done: 3" in again and len([p for p in land.log if p.startswith("/products/")]) == fetched
        none = biocube("download", "ndvi", "--from", "2022-01", "--to", "2022-12", "--out", out,
                       "--manifest", land.url + "/manifest.txt", check=False)
        assert none.returncode == 1 and "lists no product" in none.stderr


def hostile_product(path, *, dims=("time", "lat", "lon"), dtype="u1", scale=True, valid=(0, 250), square=False):
    """A small product over WINDOW with the given layout quirks."""
    s, n, w, e = WINDOW
    rows, cols = (40, 40) if square else (40, 80)
    with netCDF4.Dataset(path, "w") as ds:
        ds.createDimension("time", 1)
        ds.createDimension("lat", rows)
        ds.createDimension("lon", cols)
        la = ds.createVariable("lat", "f8", ("lat",))
        la[:] = n - (np.arange(rows) + 0.5) * (n - s) / rows
        lo = ds.createVariable("lon", "f8", ("lon",))
        lo[:] = w + (np.arange(cols) + 0.5) * (e - w) / cols
        shape = {"time": 1, "lat": rows, "lon": cols}
        v = ds.createVariable("NDVI", dtype, dims)
        v.set_auto_maskandscale(False)
        if scale:
            v.scale_factor = 0.004
            v.add_offset = -0.08
        if valid is not None:
            v.valid_range = np.array(valid, dtype=dtype)
        v[:] = np.full([shape[d] for d in dims], 200 if dtype == "u1" else 0.7, dtype=dtype)


@pytest.mark.parametrize("quirk,expected", [
    ({"dims": ("time", "lon", "lat"), "square": True}, "dimensions are (time, lon, lat)"),
    ({"valid": (250, 0)}, "valid_range"),
    ({"scale": False}, "lacks a usable scale_factor"),
])
def test_a_product_that_is_not_what_it_claims_is_refused(biocube, tmp_path, quirk, expected):
    p = tmp_path / "c_gls_NDVI300_202007110000_GLOBE_OLCI_V2.0.1.nc"
    hostile_product(p, **quirk)
    run = biocube("ingest", "ndvi", p, "--out", tmp_path / "t.csv", check=False)
    assert run.returncode == 1 and expected in run.stderr, run.stderr
    assert not (tmp_path / "t.csv").exists(), "nothing is written"


def test_a_float_product_without_scale_is_read_as_physical_values(biocube, tmp_path):
    p = tmp_path / "c_gls_NDVI300_202007110000_GLOBE_OLCI_V2.0.1.nc"
    hostile_product(p, dtype="f4", scale=False, valid=None)
    biocube("ingest", "ndvi", p, "--out", tmp_path / "t.csv")
    header, rows = read_table(tmp_path / "t.csv")
    values = [float(r[header.index("NDVI_07/2020")]) for r in rows if r[header.index("NDVI_07/2020")]]
    assert len(values) > 0 and np.allclose(values, 0.7)


def test_an_impossible_date_in_a_product_name_is_refused(biocube, tmp_path):
    p = tmp_path / "c_gls_NDVI300_202002310000_GLOBE_OLCI_V2.0.1.nc"
    hostile_product(p)
    run = biocube("ingest", "ndvi", p, "--out", tmp_path / "t.csv", check=False)
    assert run.returncode == 1 and "date" in run.stderr


def test_append_keeps_a_latin1_table_byte_for_byte_and_refuses_a_companion_ahead(biocube, tmp_path):
    p = tmp_path / "c_gls_NDVI300_202007110000_GLOBE_OLCI_V2.0.1.nc"
    hostile_product(p)
    table = tmp_path / "t.csv"
    original = "Country,Latitude,Longitude,NDVI_06/2020\r\nCôte,48.0,11.5,0.5\r\n".encode("latin-1")
    table.write_bytes(original)
    biocube("ingest", "ndvi", p, "--out", table, "--append")
    written = table.read_bytes()
    assert written.startswith(b"Country,Latitude,Longitude,NDVI_06/2020,NDVI_07/2020\r\nC\xf4te,48.0,11.5,0.5,")
    # The pixel counts already hold a month the table lacks: the two disagree.
    table.write_bytes(original)
    companion = tmp_path / "t_pixels.tsv"
    run = biocube("ingest", "ndvi", p, "--out", table, "--append", check=False)
    assert run.returncode == 1 and "disagree" in run.stderr and companion.name in run.stderr
    assert table.read_bytes() == original
