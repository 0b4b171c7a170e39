"""Zarr v3 interoperability: BioCube-written stores in zarr-python 3 and xarray, and
zarr-python-written stores in BioCube (through `biocube store dump`)."""
import json
import subprocess

import numpy as np
import pytest
import xarray as xr
import zarr
from zarr.codecs import BloscCodec, BytesCodec, Crc32cCodec, GzipCodec, ZstdCodec

from patterns import expected, shard_values

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64"]
SHAPES = {"vector": (100,), "cube": (5, 17, 23), "hyper": (3, 4, 9, 11)}
CHAINS = ["zstd", "gzip", "crc", "raw", "bigendian"]


@pytest.fixture(scope="module")
def pattern_store(testdata, tmp_path_factory):
    path = tmp_path_factory.mktemp("pattern") / "pattern.zarr"
    testdata("store-pattern", path)
    return path


def pattern_arrays():
    for dtype in DTYPES:
        for shape_name, shape in SHAPES.items():
            for chain in CHAINS:
                if shape_name == "cube" or chain == "zstd":
                    yield dtype, shape_name, shape, chain


@pytest.mark.parametrize("dtype,shape_name,shape,chain", list(pattern_arrays()))
def test_zarr_python_reads_every_value_biocube_wrote(pattern_store, dtype, shape_name, shape, chain):
    group = zarr.open_group(pattern_store, mode="r")
    array = group[f"{dtype}/{shape_name}_{chain}"]
    assert array.shape == shape
    assert array.dtype == np.dtype(dtype)
    got = array[...]
    want = expected(dtype, shape)
    assert np.array_equal(got, want, equal_nan=np.dtype(dtype).kind == "f")


def test_partly_written_array_reads_fill_value(pattern_store):
    array = zarr.open_group(pattern_store, mode="r")["float32/partial"]
    got = array[...]
    assert np.array_equal(got[:2, :3, :3], np.arange(18, dtype=np.float32).reshape(2, 3, 3))
    mask = np.ones(got.shape, bool)
    mask[:2, :3, :3] = False
    assert np.isnan(got[mask]).all()


def test_biocube_metadata_is_zarr_v3_with_consolidation(pattern_store):
    root = json.loads((pattern_store / "zarr.json").read_text())
    assert root["zarr_format"] == 3 and root["node_type"] == "group"
    consolidated = root["consolidated_metadata"]
    assert consolidated["kind"] == "inline" and consolidated["must_understand"] is False
    assert "float32/cube_zstd" in consolidated["metadata"]
    meta = json.loads((pattern_store / "float32/cube_zstd/zarr.json").read_text())
    assert meta["codecs"] == [{"name": "bytes", "configuration": {"endian": "little"}},
                              {"name": "zstd", "configuration": {"level": 3, "checksum": False}},
                              {"name": "crc32c"}]
    assert meta["fill_value"] == "NaN"
    assert meta["chunk_key_encoding"] == {"name": "default", "configuration": {"separator": "/"}}
    assert meta["dimension_names"] == ["d0", "d1", "d2"]
    # One-shot zstd frames that record the content size (single-segment or FCS flag set).
    frame = (pattern_store / "float32/cube_zstd/c/0/0/0").read_bytes()
    assert frame[:4] == b"\x28\xb5\x2f\xfd"
    descriptor = frame[4]
    assert descriptor & 0x20 or descriptor >> 6, "zstd frame lacks the content size"
    # Consolidated opening sees the same arrays as a directory walk.
    assert sorted(zarr.open_consolidated(pattern_store).keys()) == sorted(zarr.open_group(pattern_store, use_consolidated=False).keys())


def test_xarray_opens_the_demo_store(biocube, tmp_path):
    path = tmp_path / "demo.zarr"
    biocube("store", "demo", path, "--months", 3)
    tree = xr.open_datatree(path, engine="zarr")
    t2m = tree["surface_variables"]["t2m"]
    assert t2m.dims == ("time", "latitude", "longitude")
    assert t2m.shape == (3, 161, 281)
    assert [str(t)[:10] for t in t2m.time.values] == ["2000-01-01", "2000-02-01", "2000-03-01"]
    assert float(t2m.latitude[0]) == 32.0 and float(t2m.latitude[-1]) == 72.0
    assert float(t2m.longitude[0]) == -25.0 and float(t2m.longitude[-1]) == 45.0
    temp = tree["atmospheric_variables"]["t"]
    assert list(temp.pressure_level.values) == [1000, 925, 850, 700, 600, 500, 400, 300, 250, 200, 150, 100, 50]
    raw = zarr.open_group(path, mode="r")["atmospheric_variables/t"][:]
    assert np.array_equal(raw, temp.values)
    assert 200 < np.nanmin(raw) and np.nanmax(raw) < 330


# --- zarr-python writes, BioCube reads ------------------------------------------------

def random_values(dtype, shape, rng):
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return rng.random(shape) < 0.4
    if dt.kind == "f":
        v = (rng.standard_normal(shape) * 1000).astype(dt)
        v[rng.random(shape) < 0.05] = np.nan
        return v
    info = np.iinfo(dt)
    return rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)


CODEC_VARIANTS = {
    "default": dict(),
    "zstd-checksum": dict(compressors=ZstdCodec(level=5, checksum=True)),
    "gzip": dict(compressors=GzipCodec(level=6)),
    "zstd-crc32c": dict(compressors=[ZstdCodec(level=1), Crc32cCodec()]),
    "uncompressed": dict(compressors=None),
    "big-endian": dict(serializer=BytesCodec(endian="big"), compressors=ZstdCodec()),
}


def dump(biocube, store, array, out, select=None, jobs=2):
    args = ["store", "dump", store, array, "--out", out, "--jobs", jobs]
    if select:
        args += ["--select", select]
    biocube(*args)
    return out.read_bytes()


@pytest.mark.parametrize("variant", list(CODEC_VARIANTS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_biocube_reads_every_value_zarr_python_wrote(biocube, tmp_path, dtype, variant):
    rng = np.random.default_rng(abs(hash((dtype, variant))) % 2**32)
    store = tmp_path / "zp.zarr"
    group = zarr.open_group(store, mode="w")
    shape, chunks = (7, 13, 10), (3, 5, 4)
    values = random_values(dtype, shape, rng)
    arr = group.create_array("a", shape=shape, chunks=chunks, dtype=dtype, **CODEC_VARIANTS[variant])
    arr[...] = values
    little = np.dtype(dtype).newbyteorder("<")
    assert dump(biocube, store, "a", tmp_path / "all.bin") == values.astype(little).tobytes()
    assert dump(biocube, store, "a", tmp_path / "one.bin", jobs=1) == values.astype(little).tobytes()
    part = values[2:6, :, 3:9]
    assert dump(biocube, store, "a", tmp_path / "part.bin", "2:6,all,3:9") == np.ascontiguousarray(part).astype(little).tobytes()
    picked = values[:, [12, 0, 5], :][:, :, [9]]
    assert dump(biocube, store, "a", tmp_path / "pick.bin", "all,12;0;5,9") == np.ascontiguousarray(picked).astype(little).tobytes()


def test_biocube_reads_missing_chunks_as_zarr_python_fill_value(biocube, tmp_path):
    store = tmp_path / "fill.zarr"
    group = zarr.open_group(store, mode="w")
    arr = group.create_array("f", shape=(6, 8), chunks=(4, 4), dtype="float64", fill_value=-9.5)
    arr[0:4, 0:4] = np.arange(16, dtype=np.float64).reshape(4, 4)
    ints = group.create_array("i", shape=(10,), chunks=(3,), dtype="int32", fill_value=-7)
    ints[3:6] = [1, 2, 3]
    assert dump(biocube, store, "f", tmp_path / "f.bin") == arr[...].astype("<f8").tobytes()
    assert dump(biocube, store, "i", tmp_path / "i.bin") == ints[...].astype("<i4").tobytes()


def test_biocube_refuses_unknown_codec_naming_it(biocube, tmp_path):
    store = tmp_path / "blosc.zarr"
    group = zarr.open_group(store, mode="w")
    arr = group.create_array("b", shape=(10,), chunks=(5,), dtype="float32", compressors=BloscCodec())
    arr[...] = np.arange(10, dtype=np.float32)
    proc = biocube("store", "dump", store, "b", "--out", tmp_path / "b.bin", check=False)
    assert proc.returncode == 1
    assert "blosc" in proc.stderr and "'b'" in proc.stderr
    assert not (tmp_path / "b.bin").exists()


def test_two_concurrent_writer_processes_fill_one_array(testdata, tmp_path):
    store = tmp_path / "shared.zarr"
    procs = [subprocess.Popen([testdata.path, "store-pattern-shard", str(store), "--shard", f"{k}/2", "--steps", "80"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in range(2)]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    array = zarr.open_group(store, mode="r")["sharded/values"]
    assert np.array_equal(array[...], shard_values(80, 40, 50))
    leftovers = [p for p in store.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_store_demo_refuses_an_absurd_month_count(biocube, tmp_path):
    run = biocube("store", "demo", tmp_path / "d.zarr", "--months", 100000000, check=False)
    assert run.returncode == 1 and "--months 100000000" in run.stderr, run.stderr
    assert not (tmp_path / "d.zarr").exists()
