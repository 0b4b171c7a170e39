"""`biocube species-cube`: GBIF EEA-grid cubes → species table, checked against pyproj's
EPSG:3035 → WGS84 transformation, snapping and per species/month/cell sums."""
import collections
import re
import zipfile

import numpy as np
import pyarrow.parquet as pq
from pyproj import Transformer

T = Transformer.from_crs("EPSG:3035", "EPSG:4326", always_xy=True)


def centre(code):
    """Cell centre in EPSG:3035 metres: 10kmE395N243 → (3955000, 2435000)."""
    e, n = re.fullmatch(r"10kmE(\d+)N(\d+)", code).groups()
    return int(e) * 10000 + 5000, int(n) * 10000 + 5000


def cube(path, key, rows, header="specieskey\tyearmonth\teeacellcode\toccurrences\tPhylum\tClass\tOrder\tFamily\tGenus"):
    body = header + "\n" + "".join("\t".join(map(str, r)) + "\n" for r in rows)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{key}.csv", body)


def test_projection_matches_pyproj_at_reference_points(biocube, tmp_path):
    cells = ["10kmE395N243", "10kmE300N300", "10kmE450N350", "10kmE520N420", "10kmE270N180", "10kmE600N250"]
    rows = [(1340361, "2010-05", c, 1, "Arthropoda", "Insecta", "Lepidoptera", "Nymphalidae", "Vanessa") for c in cells]
    cube(tmp_path / "1340361.zip", 1340361, rows)
    out = tmp_path / "species.parquet"
    biocube("species-cube", "--input", tmp_path, "--output", out)
    got = pq.read_table(out).to_pandas()
    want = set()
    for c in cells:
        lon, lat = T.transform(*centre(c))
        want.add((round(lat / 0.25) * 0.25, round(lon / 0.25) * 0.25))
    assert set(zip(got.Latitude, got.Longitude)) == {w for w in want if 32 <= w[0] <= 72 and -25 <= w[1] <= 45}
    lon, lat = T.transform(3955000, 2435000)
    assert abs(lon - 5.369) < 1e-3 and abs(lat - 44.924) < 1e-3   # the check value, via pyproj


def test_sums_per_species_month_and_cell(biocube, tmp_path):
    a = [(1340361, "2010-05", "10kmE395N243", 2, "P", "C", "O", "F", "G"),
         (1340361, "2010-05", "10kmE395N243", 3, "P", "C", "O", "F", "G"),   # same cell and month: summed
         (1340361, "2010-06", "10kmE395N243", 4, "P", "C", "O", "F", "G"),
         (1340361, "2010-05", "badcode", 9, "P", "C", "O", "F", "G"),
         (1340361, "2010-05", "10kmE100N100", 9, "P", "C", "O", "F", "G")]  # west of the grid
    b = [(5231190, "2011-01", "10kmE396N243", 7, "Q", "R", "S", "T", "U")]
    cube(tmp_path / "1340361.zip", 1340361, a)
    cube(tmp_path / "5231190.zip", 5231190, b,
         header="SPECIESKEY\tYEARMONTH\tEEACELLCODE\tOCCURRENCES\tphylum\tclass\torder\tfamily\tgenus")
    out = tmp_path / "species.parquet"
    run = biocube("species-cube", "--input", tmp_path, "--output", out)
    assert "1 bad cell codes" in run.stdout and "1 cells outside the grid" in run.stdout
    t = pq.read_table(out)
    assert t.schema.field("Species").type == "int64" and str(t.schema.field("Timestamp").type) == "timestamp[ns]"
    df = t.to_pandas()
    sums = collections.Counter()
    for key, month, cell, n, *_ in a[:3] + b:
        lon, lat = T.transform(*centre(cell))
        sums[(key, month, round(lat / 0.25) * 0.25, round(lon / 0.25) * 0.25)] += n
    got = {(int(r.Species), r.Timestamp.strftime("%Y-%m"), r.Latitude, r.Longitude): r.Distribution for r in df.itertuples()}
    assert got == dict(sums)
    assert set(df.Genus) == {"G", "U"}


def test_species_cube_output_feeds_the_species_modality(biocube, tmp_path):
    cube(tmp_path / "42.zip", 42, [(42, "2000-01", "10kmE395N243", 3, "P", "C", "O", "F", "G")])
    out = tmp_path / "species.parquet"
    biocube("species-cube", "--input", tmp_path, "--output", out)
    info = biocube("parquet", "info", out)
    assert "Species" in info.stdout and "1 rows" in info.stdout
