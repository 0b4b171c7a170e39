"""`biocube ingest lpi` on a Living Planet Database CSV written as the published one is
(Latin-1, `NULL` for missing years, Binomial with an underscore), read back with pyarrow and
compared with pandas' own reading of the same CSV."""
import csv

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

HEADER = ["ID", "Binomial", "Citation", "Class", "Genus", "Species", "Common_name", "Country", "Latitude",
          "Longitude", "Units"] + [str(y) for y in range(1950, 2021)]


def row(i, binomial, lat, lon, values, common="", units="Number of pairs"):
    years = ["NULL"] * 71
    for y, v in values.items():
        years[y - 1950] = v
    return [str(i), binomial, 'Smith, J. (2001) Birds, "the" survey', "Aves", binomial.split("_")[0],
            binomial.split("_")[1], common, "Germany", str(lat), str(lon), units] + years


def test_lpi_rows_cells_keys_and_bad_rows(biocube, tmp_path):
    rows = [
        row(101, "Turdus_merula", 52.52, 13.41, {2000: "12", 2001: "15.5", 2010: "0"}, "Amsel (Merle noire, Mërle)"),
        row(102, "Erithacus_rubecula", 48.13, 11.58, {1999: "3"}, "Rotkehlchen, Rougegorge"),
        row(103, "Parus_major", -33.9, 18.4, {2005: "7"}),                       # Cape Town: off the grid
        row(104, "Parus_major", "NULL", 10.0, {2005: "7"}),                       # no latitude
        row(105, "Sitta_europaea", 60.0, 25.0, {2001: "many"}),                   # not a number
    ]
    src = tmp_path / "LPD.csv"
    with open(src, "w", encoding="latin-1", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows([HEADER] + rows)
    (tmp_path / "keys.csv").write_text("name,key\nTurdus_merula,2490719\n")
    out = biocube("ingest", "lpi", src, "--out", tmp_path / "lpi.parquet", "--species-keys", tmp_path / "keys.csv").stdout
    assert "2 populations, 4 population-years; 1 populations off the grid" in out, out
    assert "line 5 (Parus major): coordinates" in out and "line 6 (Sitta europaea): 2001 holds 'many'" in out
    t = pq.read_table(tmp_path / "lpi.parquet").to_pandas()
    assert list(t["population_id"]) == [101, 101, 101, 102]
    assert list(t["species"]) == ["Turdus merula"] * 3 + ["Erithacus rubecula"]
    assert list(t["year"]) == [2000, 2001, 2010, 1999] and list(t["value"]) == [12, 15.5, 0, 3]
    assert t["species_key"][0] == 2490719 and pd.isna(t["species_key"][3])
    assert list(t["cell_latitude"]) == [52.5] * 3 + [48.25] and list(t["cell_longitude"]) == [13.5] * 3 + [11.5]
    # pandas reads the same file (Latin-1, NULL as missing) to the same values.
    ref = pd.read_csv(src, encoding="latin-1", na_values=["NULL"])
    turdus = ref[ref["ID"] == 101].iloc[0]
    assert turdus["Common_name"] == "Amsel (Merle noire, Mërle)"
    assert [float(turdus[str(y)]) for y in (2000, 2001, 2010)] == [12, 15.5, 0]
    assert np.isnan(turdus["1950"])


def test_not_an_lpd_file_is_an_error(biocube, tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    proc = biocube("ingest", "lpi", tmp_path / "x.csv", "--out", tmp_path / "y.parquet", check=False)
    assert proc.returncode == 1 and "x.csv" in proc.stderr and "Binomial" in proc.stderr
    assert not (tmp_path / "y.parquet").exists()


def test_lpi_as_an_extra_batch_group(biocube, tmp_path):
    """A tree with LPI/*.parquet: the build stores lpi_variables/LPI (relative abundance per cell
    and year); batches carry it only when selected, the default batches are byte-identical."""
    import shutil

    from safetensors.numpy import load_file

    root = tmp_path / "BioCube"
    biocube("sample", root, "--end", "2000-03")
    plain = tmp_path / "plain"
    shutil.copytree(root, plain)
    rows = [row(1, "Turdus_merula", 52.52, 13.41, {1999: "10", 2000: "20", 2001: "30"}),
            row(2, "Turdus_merula", 52.49, 13.55, {2000: "5", 2001: "15"}),
            row(3, "Erithacus_rubecula", 48.13, 11.58, {2000: "0", 2001: "0"})]
    src = tmp_path / "LPD.csv"
    with open(src, "w", encoding="latin-1", newline="") as f:
        csv.writer(f).writerows([HEADER] + rows)
    (root / "LPI").mkdir()
    biocube("ingest", "lpi", src, "--out", root / "LPI" / "lpi_populations.parquet")
    biocube("build", root, "--store", tmp_path / "with.zarr")
    biocube("build", plain, "--store", tmp_path / "without.zarr")
    biocube("batches", tmp_path / "with.zarr", "--out", tmp_path / "a")
    biocube("batches", tmp_path / "without.zarr", "--out", tmp_path / "b")
    for p in sorted((tmp_path / "a").glob("*.pt")):
        assert p.read_bytes() == (tmp_path / "b" / p.name).read_bytes()
    biocube("batches", tmp_path / "with.zarr", "--out", tmp_path / "c", "--format", "safetensors",
            "--variables", "+lpi:*", "--missing", "nan")
    lpi = load_file(sorted((tmp_path / "c").glob("*.safetensors"))[0])["lpi_variables/LPI"]
    r, c = round((52.5 - 32) / 0.25), round((13.5 + 25) / 0.25)
    # Population 1: 20 / mean(10, 20, 30) = 1; population 2: 5 / mean(5, 15) = 0.5 → 0.75.
    assert abs(lpi[0, r, c] - 0.75) < 1e-6 and abs(lpi[1, r, c] - 0.75) < 1e-6
    assert np.isnan(lpi[0]).sum() == lpi[0].size - 1  # population 3 (mean 0) is left out


def test_two_populations_sharing_an_id_are_kept_apart(biocube, tmp_path):
    rows = [row(7, "Turdus_merula", 52.52, 13.41, {2000: "10", 2001: "20"}),
            row(7, "Turdus_merula", 48.13, 11.58, {2000: "1000", 2001: "500"})]
    src = tmp_path / "LPD.csv"
    with open(src, "w", encoding="latin-1", newline="") as f:
        csv.writer(f).writerows([HEADER] + rows)
    out = biocube("ingest", "lpi", src, "--out", tmp_path / "lpi.parquet").stdout
    assert "ID 7 is also the ID of line 2; kept as a separate population with ID -3" in out, out
    t = pq.read_table(tmp_path / "lpi.parquet").to_pandas()
    assert sorted(set(t["population_id"])) == [-3, 7]
    berlin, munich = t[t["population_id"] == 7], t[t["population_id"] == -3]
    assert list(berlin["value"]) == [10, 20] and list(munich["value"]) == [1000, 500]
