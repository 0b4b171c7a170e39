"""biocube.torch.CubeDataset (python/, over libBioCubeC) against the real other side:
torch.load of the files `biocube batches` writes, a real DataLoader with worker processes,
DistributedSampler, a wheel installed in a fresh virtual environment."""
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import threading

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, DistributedSampler

import biocube
from biocube.torch import CubeDataset

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]


def assert_same(a, b, path="item"):
    """Same keys in the same order, same types, dtypes, shapes, strides and bits."""
    if isinstance(a, dict):
        assert isinstance(b, dict), path
        assert list(a) == list(b), f"{path}: keys {list(a)} != {list(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor), path
        assert (a.dtype, a.shape, a.stride(), a.storage_offset()) == (b.dtype, b.shape, b.stride(), b.storage_offset()), path
        assert not a.requires_grad and not b.requires_grad
        bits = {torch.float32: torch.int32, torch.float16: torch.int16, torch.float64: torch.int64}[a.dtype]
        assert torch.equal(a.view(bits), b.view(bits)), f"{path}: values differ"
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    else:
        assert type(a) is type(b) and a == b, f"{path}: {a!r} != {b!r}"


def exported(folder):
    """The .pt files of an export, in window order."""
    return sorted(pathlib.Path(folder).glob("batch_*.pt"))


@pytest.fixture(scope="module")
def cube(biocube, tmp_path_factory):
    """A 7-month sample store (6 windows), its statistics and its default .pt export."""
    work = tmp_path_factory.mktemp("cube-dataset")
    biocube("sample", work / "BioCube", "--end", "2000-07")
    biocube("build", work / "BioCube", "--store", work / "cube.zarr")
    biocube("stats", "--store", work / "cube.zarr", "--out", work / "stats.json")
    biocube("batches", work / "cube.zarr", "--out", work / "pt")
    return {"work": work, "store": work / "cube.zarr", "stats": work / "stats.json", "sample": work / "BioCube"}


@pytest.fixture(scope="module")
def daily(biocube, cube):
    """A 6-hourly store of the sample on the daily grid (5 windows), exported as pt-daily."""
    store = cube["work"] / "cube6h.zarr"
    biocube("build", cube["sample"], "--store", store, "--cadence", "6h", "--grid", "europe6h",
            "--start", "2000-01-01 00:00", "--end", "2000-01-02 06:00")
    biocube("batches", store, "--out", cube["work"] / "daily", "--format", "pt-daily")
    return {"store": store, "out": cube["work"] / "daily"}


def test_every_monthly_item_is_torch_load_of_the_exported_file(cube):
    ds = CubeDataset(cube["store"])
    files = exported(cube["work"] / "pt")
    assert len(ds) == len(files) == 6
    for i, f in enumerate(files):
        assert_same(ds[i], torch.load(f, weights_only=True), f.name)
    assert ds[-1]["batch_metadata"]["timestamp"] == torch.load(files[-1], weights_only=True)["batch_metadata"]["timestamp"]


def test_every_daily_item_is_torch_load_of_the_pt_daily_file(daily):
    ds = CubeDataset(daily["store"], contract="daily")
    files = exported(daily["out"])
    assert len(ds) == len(files) == 5
    for i, f in enumerate(files):
        assert_same(ds[i], torch.load(f, weights_only=True), f.name)
    # Mixed dtypes of the daily contract survive: float64 distribution, float16 labels.
    item = ds[0]
    assert item["species_variables"]["dynamic"]["Distribution"].dtype == torch.float64
    assert item["species_variables"]["metadata"]["Genus"].dtype == torch.float16


@pytest.mark.parametrize("options, flags", [
    (dict(variables="-surface:lsm,+agriculture:Agriculture_Irrigated", species="top:3", levels=[500, 1000]),
     ["--variables=-surface:lsm,+agriculture:Agriculture_Irrigated", "--species", "top:3", "--levels", "500,1000"]),
    (dict(region=(55, 0, 45, 15), start="2000-02", end="2000-05"),
     ["--region", "55,0,45,15", "--start", "2000-02", "--end", "2000-05"]),
    (dict(normalise="STATS", missing="nan"), ["--normalise", "STATS", "--missing", "nan"]),
    (dict(normalise="STATS", normalise_mode="minMax", region="S=40,N=50,W=-5,E=10"),
     ["--normalise", "STATS", "--normalise-mode", "minMax", "--region", "S=40,N=50,W=-5,E=10"]),
], ids=["selection", "region-and-span", "normalised-nan", "minmax-region"])
def test_items_with_options_equal_the_export_with_the_same_flags(biocube, cube, tmp_path, options, flags):
    stats = str(cube["stats"])
    options = {k: (stats if v == "STATS" else v) for k, v in options.items()}
    flags = [stats if f == "STATS" else f for f in flags]
    biocube("batches", cube["store"], "--out", tmp_path / "pt", *flags)
    files = exported(tmp_path / "pt")
    ds = CubeDataset(cube["store"], **options)
    assert len(ds) == len(files) > 0
    for i, f in enumerate(files):
        assert_same(ds[i], torch.load(f, weights_only=True), f.name)


def test_normalised_items_are_standardised_by_the_statistics(cube):
    raw = CubeDataset(cube["store"])[0]
    norm = CubeDataset(cube["store"], normalise=cube["stats"])[0]
    stats = json.loads(pathlib.Path(cube["stats"]).read_text())
    e = stats["surface_variables"]["t2m"]
    expected = ((raw["surface_variables"]["t2m"].double() - e["mean"]) / e["std"]).float()
    assert torch.allclose(norm["surface_variables"]["t2m"], expected, equal_nan=True, atol=1e-5)


def coverage_complete(store, variables):
    """Window indices whose two steps have valid cells in every variable (zarr attributes)."""
    import zarr
    g = zarr.open_group(str(store), mode="r")
    cells = [np.array(g[v].attrs["coverage"]["valid_cells"]) for v in variables]
    steps = len(cells[0])
    return [i for i in range(steps - 1) if all(c[i] > 0 and c[i + 1] > 0 for c in cells)]


def test_skip_incomplete_follows_the_recorded_coverage_and_the_export(biocube, cube, tmp_path):
    ds = CubeDataset(cube["store"], variables="-forest:Forest", skip_incomplete=True)
    all_windows = CubeDataset(cube["store"], variables="-forest:Forest")
    expected = coverage_complete(cube["store"], ds.description["arrays"])
    assert ds.windows == expected and 0 < len(ds) < len(all_windows), (ds.windows, len(all_windows))
    biocube("batches", cube["store"], "--out", tmp_path / "pt", "--variables=-forest:Forest", "--skip-incomplete")
    files = exported(tmp_path / "pt")
    assert len(files) == len(ds)
    for i, f in enumerate(files):
        assert_same(ds[i], torch.load(f, weights_only=True), f.name)
    # Forest is empty at every step of the sample: with it selected, no window is complete.
    assert len(CubeDataset(cube["store"], skip_incomplete=True)) == 0


def timestamps_of(loader):
    return [tuple(item["batch_metadata"]["timestamp"]) for item in loader]


def test_dataloader_with_workers_and_shuffle_covers_every_window(cube):
    ds = CubeDataset(cube["store"])
    loader = DataLoader(ds, batch_size=None, shuffle=True, num_workers=2)
    seen = timestamps_of(loader)
    assert sorted(seen) == sorted(tuple(t) for t in (ds[i]["batch_metadata"]["timestamp"] for i in range(len(ds))))
    assert len(set(seen)) == len(ds) == 6


def test_distributed_sampler_gives_each_window_once_per_epoch_across_ranks_and_workers(cube):
    ds = CubeDataset(cube["store"])
    for epoch in (0, 1):
        seen = []
        for rank in (0, 1):
            sampler = DistributedSampler(ds, num_replicas=2, rank=rank, shuffle=True, seed=7)
            sampler.set_epoch(epoch)
            seen += timestamps_of(DataLoader(ds, batch_size=None, sampler=sampler, num_workers=2))
        assert len(seen) == len(ds) and len(set(seen)) == len(ds), (epoch, seen)


def test_spawned_workers_open_their_own_handle(cube):
    ds = CubeDataset(cube["store"])
    loader = DataLoader(ds, batch_size=None, num_workers=2, multiprocessing_context="spawn")
    assert len(timestamps_of(loader)) == len(ds)


def test_reads_from_several_threads_at_once_agree(cube):
    ds = CubeDataset(cube["store"], threads=1)
    reference = [ds.numpy(i)["surface_variables"]["t2m"].copy() for i in range(len(ds))]
    results, errors = {}, []

    def work(k):
        try:
            for i in range(len(ds)):
                results[(k, i)] = ds.numpy((i + k) % len(ds))["surface_variables"]["t2m"]
        except Exception as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for (k, i), value in results.items():
        assert np.array_equal(value, reference[(i + k) % len(ds)], equal_nan=True)


def test_chips_are_reproducible_inside_the_grid_and_crop_the_window(cube):
    ds = CubeDataset(cube["store"], chip=(32, 48), chips_per_window=3, seed=11)
    full = CubeDataset(cube["store"])
    assert len(ds) == 3 * len(full)
    grid = ds.description["grid"]
    origins = set()
    for index in range(len(ds)):
        row, column = ds.chip_origin(index)
        assert 0 <= row <= grid["height"] - 32 and 0 <= column <= grid["width"] - 48
        origins.add((row, column))
    assert len(origins) > 1
    item, again = ds[4], ds[4]
    assert_same(item, again)
    row, column = ds.chip_origin(4)
    whole = full[4 // 3]
    m = item["batch_metadata"]
    assert m["latitudes"] == whole["batch_metadata"]["latitudes"][row:row + 32]
    assert m["longitudes"] == whole["batch_metadata"]["longitudes"][column:column + 48]
    for group, variables in whole.items():
        if group == "batch_metadata":
            continue
        for name, t in variables.items():
            assert torch.equal(item[group][name].nan_to_num(-9), t[..., row:row + 32, column:column + 48].nan_to_num(-9)), name
    # Another epoch draws other chips; the same seed and epoch the same ones.
    before = [ds.chip_origin(i) for i in range(len(ds))]
    ds.set_epoch(1)
    assert [ds.chip_origin(i) for i in range(len(ds))] != before
    ds.set_epoch(0)
    assert [ds.chip_origin(i) for i in range(len(ds))] == before
    other = CubeDataset(cube["store"], chip=(32, 48), chips_per_window=3, seed=11)
    assert [other.chip_origin(i) for i in range(len(ds))] == before


def test_bad_input_raises_with_the_native_message(cube, tmp_path):
    missing = tmp_path / "nowhere.zarr"
    with pytest.raises(biocube.StoreNotFoundError, match="nowhere.zarr"):
        CubeDataset(missing)
    with pytest.raises(biocube.StoreNotFoundError, match="surface_variables:nope is selected but not in the store"):
        CubeDataset(cube["store"], variables="+surface:nope")
    with pytest.raises(biocube.BioCubeError, match="level 7"):
        CubeDataset(cube["store"], levels=[7])
    with pytest.raises(biocube.InvalidArgumentError, match="daily"):
        CubeDataset(cube["store"], contract="daily")
    with pytest.raises(biocube.InvalidArgumentError, match="chip"):
        CubeDataset(cube["store"], chip=(1000, 10))
    with pytest.raises(biocube.BioCubeError, match="stats-missing.json"):
        CubeDataset(cube["store"], normalise=tmp_path / "stats-missing.json")
    ds = CubeDataset(cube["store"])
    with pytest.raises(IndexError, match="outside"):
        ds[len(ds)]
    # A damaged chunk: the read fails naming the array's chunk; the process lives on.
    copy = tmp_path / "damaged.zarr"
    shutil.copytree(cube["store"], copy)
    chunk = next(p for p in sorted((copy / "surface_variables" / "t2m").rglob("*")) if p.is_file() and p.name != "zarr.json")
    data = bytearray(chunk.read_bytes())
    data[len(data) // 2] ^= 0xFF
    chunk.write_bytes(bytes(data))
    damaged = CubeDataset(copy)
    with pytest.raises(biocube.CorruptDataError, match="t2m"):
        damaged[0]
    assert CubeDataset(cube["store"])[0]["surface_variables"]["t2m"].shape[0] == 2


def test_the_c_header_declares_what_the_library_exports(tmp_path, cube):
    """A C program built against biocube.h and the installed library opens, describes, reads
    and reports errors as the header says."""
    lib = pathlib.Path(biocube.__file__).parent / "_lib"
    source = tmp_path / "probe.c"
    source.write_text(r'''
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "biocube.h"
int main(int argc, char **argv) {
    char options[4096], *error = NULL, *json = NULL;
    biocube_dataset *ds = NULL;
    if (biocube_open("{\"store\": \"/no/such/store\"}", &ds, &error) != BIOCUBE_E_NOT_FOUND || !error || ds) return 2;
    printf("error: %s\n", error); biocube_free(error);
    snprintf(options, sizeof options, "{\"store\": \"%s\", \"chip\": [8, 8]}", argv[1]);
    if (biocube_open(options, &ds, &error) != BIOCUBE_OK) { printf("%s\n", error); return 3; }
    if (biocube_describe(ds, &json, NULL) != BIOCUBE_OK) return 4;
    printf("version %s\n", biocube_version());
    printf("%.60s\n", json); biocube_free(json);
    int64_t size = 8 * 8 * 2 * 4;  /* a (2, 8, 8) float32 storage: the first one */
    void *buffer = malloc(size); uint8_t *pickle = NULL; int64_t pickle_size = 0;
    int32_t status = biocube_read(ds, 0, 0, 0, &buffer, &size, 1, &pickle, &pickle_size, &error);
    printf("read with one buffer: %d %s\n", status, error ? error : "");
    biocube_free(error);
    biocube_close(ds);
    return status == BIOCUBE_E_INVALID_ARGUMENT ? 0 : 5;
}
''')
    exe = tmp_path / "probe"
    subprocess.run(["cc", "-Wall", "-Werror", "-I", str(lib), str(source), "-L", str(lib), "-lBioCubeC",
                    f"-Wl,-rpath,{lib}", "-o", str(exe)], check=True)
    out = subprocess.run([str(exe), str(cube["store"])], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no store here" in out.stdout and "buffers given" in out.stdout


def test_wheel_installs_and_reads_in_a_fresh_venv_without_the_toolchain(cube, tmp_path):
    wheels = sorted((REPOSITORY / "out" / "wheel").glob("biocube-*.whl"))
    assert wheels, "no wheel in out/wheel: make test runs make wheel first"
    venv = tmp_path / "fresh"
    subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
    subprocess.run([venv / "bin" / "pip", "install", "-q", "--disable-pip-version-check", str(wheels[-1])],
                   check=True, timeout=600)
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "BIOCUBE_LIBRARY", "PYTHONPATH")}
    env["PATH"] = "/usr/bin:/bin"  # no swift on PATH either
    script = r'''
import hashlib, json, sys
import biocube
w = biocube.CubeWindows(sys.argv[1])
item = w.numpy(0)
def walk(d, path=""):
    for k, v in d.items():
        if isinstance(v, dict): yield from walk(v, path + "/" + k)
        elif hasattr(v, "dtype"): yield path + "/" + k, hashlib.sha256(v.tobytes()).hexdigest()
maps = open("/proc/self/maps").read()
print(json.dumps({"hashes": dict(walk(item)), "timestamp": item["batch_metadata"]["timestamp"],
                  "toolchain_mapped": "/opt/swift" in maps or "/usr/lib/swift" in maps,
                  "library": biocube.__file__}))
'''
    out = subprocess.run([venv / "bin" / "python", "-c", script, str(cube["store"])], capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert not got["toolchain_mapped"]
    assert str(venv) in got["library"]
    reference = torch.load(exported(cube["work"] / "pt")[0], weights_only=True)
    expected = {}
    for group, variables in reference.items():
        if group != "batch_metadata":
            for name, t in variables.items():
                expected[f"/{group}/{name}"] = hashlib.sha256(t.numpy().tobytes()).hexdigest()
    assert got["hashes"] == expected
    assert got["timestamp"] == reference["batch_metadata"]["timestamp"]


def test_training_example_runs_and_resumes_from_its_checkpoint(cube, tmp_path):
    script = REPOSITORY / "Examples" / "train-pytorch" / "train.py"
    checkpoint = tmp_path / "model.ckpt"
    args = [sys.executable, str(script), "--store", str(cube["store"]), "--stats", str(cube["stats"]),
            "--checkpoint", str(checkpoint), "--checkpoint-every", "3", "--workers", "2"]
    first = subprocess.run(args + ["--steps", "5"], capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    assert "trained 5 steps" in first.stdout and checkpoint.exists()
    second = subprocess.run(args + ["--steps", "8"], capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    assert "resumed from" in second.stdout and "trained 8 steps" in second.stdout
    losses = [float(line.split("loss ")[1].split()[0]) for line in (first.stdout + second.stdout).splitlines()
              if " loss " in line]
    assert len(losses) == 8 and all(np.isfinite(losses))
