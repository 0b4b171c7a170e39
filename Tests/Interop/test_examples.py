"""The example executables run and produce what they say (examples are tested, not decoration)."""
import os
import subprocess

import numpy as np
import pytest
import xarray as xr


def example(name):
    folder = os.environ.get("EXAMPLES")
    if not folder:
        pytest.fail("set EXAMPLES to the Swift build's bin folder (make test does this)")
    return os.path.join(folder, name)


def test_store_quickstart(tmp_path):
    path = tmp_path / "quickstart.zarr"
    out = subprocess.run([example("store-quickstart"), str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr + out.stdout
    assert "Alps, 2000-07-01: 13×33 cells" in out.stdout
    tree = xr.open_datatree(path, engine="zarr")
    t2m = tree["surface_variables"]["t2m"]
    assert t2m.shape == (12, 161, 281)
    july = t2m.sel(time="2000-07-01").values
    lat = t2m.latitude.values
    expected = (300 - 0.6 * (lat - 32) + 8 * 0).astype(np.float32)
    assert np.allclose(july[:, 0], expected)


def _run(name, *args, timeout=300):
    out = subprocess.run([example(name), *map(str, args)], capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr + out.stdout
    return out.stdout


def test_region_slice_matches_xarray(pipeline, tmp_path):
    store = pipeline["work"] / "cube.zarr"
    stdout = _run("region-slice", store, "52,2,44,12", "2000-01", "2000-03", tmp_path / "slice")
    t2m = xr.open_datatree(store, engine="zarr")["surface_variables"]["t2m"]
    box = t2m.where((t2m.latitude >= 44) & (t2m.latitude <= 52), drop=True)
    box = box.where((box.longitude >= 2) & (box.longitude <= 12), drop=True)
    assert f"{box.sizes['latitude']}×{box.sizes['longitude']} cells, 2 windows" in stdout
    first = box.isel(time=[0, 1]).values.astype(np.float64)
    assert f"batch_2000-01-01_to_2000-02-01: t2m [2, {box.sizes['latitude']}, {box.sizes['longitude']}] mean {np.nanmean(first):.2f} K" in stdout
    assert "wrote 2 slice(s)" in stdout
    slices = sorted(p for p in (tmp_path / "slice").iterdir() if p.suffix == ".zarr")
    assert len(slices) == 2
    piece = xr.open_datatree(slices[0], engine="zarr")["surface_variables"]["t2m"]
    assert np.array_equal(piece.values, box.isel(time=[0, 1]).values, equal_nan=True)


def test_normalise_round_trips_and_scales_like_numpy(pipeline):
    store = pipeline["work"] / "cube.zarr"
    stdout = _run("normalise", store)
    t2m = xr.open_datatree(store, engine="zarr")["surface_variables"]["t2m"].values.astype(np.float64)
    lo, hi = np.nanmin(t2m), np.nanmax(t2m)
    window = t2m[0:2]
    expected = np.nanmean((window - lo) / (hi - lo))
    lines = dict(line.split(":", 1) for line in stdout.strip().splitlines())
    assert f"t2m scaled mean {expected:.3f}" in lines["minMax"], stdout
    standardised = np.nanmean((window - np.nanmean(t2m)) / np.nanstd(t2m))
    assert f"t2m scaled mean {standardised:.3f}" in lines["standardise"], stdout
    for mode in ("minMax", "standardise"):
        worst = float(lines[mode].rsplit(" ", 1)[1])
        assert worst < 1e-4, stdout


def test_read_era5_matches_netcdf4(sample):
    import netCDF4
    path = sample / "Copernicus" / "ERA5-monthly" / "era5-single" / "era5_single.nc"
    stdout = _run("read-era5", path, "t2m")
    with netCDF4.Dataset(path) as ds:
        values = np.asarray(ds["t2m"][0], dtype=np.float64)
        count = len(ds["valid_time"] if "valid_time" in ds.variables else ds["time"])
    assert f"{count} time slices from 2000-01-01" in stdout
    line = next(l for l in stdout.splitlines() if l.startswith("t2m at 2000-01-01"))
    assert f"shape [161, 281], {values.size} cells" in line
    mean = float(line.split("mean ")[1].split(",")[0])
    assert abs(mean - values.mean()) < 0.01, (mean, values.mean())


def test_species_media_example_plugs_in_its_own_embedder(tmp_path):
    from test_species_dataset import TAX_A, make_species
    import pyarrow.parquet as pq

    life = tmp_path / "Life"
    make_species(life, "Turdus merula", TAX_A, 1)
    stdout = _run("species-media", life, tmp_path / "m.parquet")
    assert "rows from 1 species" in stdout and "inat-0: tensor [3, 32, 32]" in stdout, stdout
    t = pq.read_table(tmp_path / "m.parquet").to_pandas()
    text = t[t["modality"] == "text"].iloc[0]
    assert text["feature"] == "embedding-256" and text["shape"] == "256"
    v = np.frombuffer(text["tensor"], "<f4")
    assert abs(float(v @ v) - 1) < 1e-5
    assert pq.read_metadata(tmp_path / "m.parquet").metadata[b"biocube.settings"].find(b"CharacterTrigramEmbedder:256") > 0
