"""`biocube verify`: exported batches and stores pass; files that break the batch contract
fail with a message naming the problem."""
import numpy as np

from batchfiles import write_batch


def test_exported_batches_and_store_verify(biocube, pipeline):
    work = pipeline["work"]
    out = biocube("verify", work / "pt" / "batch_2000-01-01_to_2000-02-01.pt",
                  work / "st" / "batch_2000-02-01_to_2000-03-01.safetensors", work / "cube.zarr")
    assert "3 path(s) follow the batch contract" in out.stdout
    assert "atmospheric_variables.t" in out.stdout and "[2, 13, 161, 281]" in out.stdout
    assert "misc_variables/avg_pevr" in out.stdout


def good(tmp_path, name="ok.safetensors", **kw):
    t = np.ones((2, 6, 7), np.float32)
    tensors = {("surface_variables", "t2m"): t, ("species_variables", "5"): t}
    args = dict(species=["5"])
    args.update(kw)
    write_batch(tmp_path / name, tensors, args.pop("stamps", ["2000-01-01 00:00:00", "2000-02-01 00:00:00"]), **args)
    return tmp_path / name


def test_contract_breaches_fail_precisely(biocube, tmp_path):
    assert biocube("verify", good(tmp_path)).returncode == 0
    cases = {
        "stamp.safetensors": (dict(stamps=["2000-01-01", "2000-02-01 00:00:00"]), "not in the form YYYY-MM-DD HH:MM:SS"),
        "species.safetensors": (dict(species=["6"]), "species_list"),
        "lats.safetensors": (dict(latitudes=5), "does not match the batch"),
        "order.safetensors": (dict(stamps=["2000-02-01 00:00:00", "2000-01-01 00:00:00"]), "not increasing"),
    }
    for name, (kw, message) in cases.items():
        run = biocube("verify", good(tmp_path, name, **kw), check=False)
        assert run.returncode == 1, name
        assert name in run.stdout and message in run.stdout, (name, run.stdout)


def damaged_copy(pipeline, tmp_path):
    import shutil
    store = tmp_path / "cube.zarr"
    shutil.copytree(pipeline["work"] / "cube.zarr", store)
    return store


def test_store_damage_is_found(biocube, pipeline, tmp_path):
    """Issue #15: every chunk carries a CRC-32C and `verify` decodes every chunk, compares each
    step's valid cells with the recorded coverage and checks the coordinate arrays. The damage
    is made with independent tools (zarr-python writes a valid, checksummed chunk)."""
    import zarr
    store = damaged_copy(pipeline, tmp_path)
    assert biocube("verify", store).returncode == 0
    root = zarr.open_group(store, mode="r")
    codecs = [c.to_dict()["name"] for c in root["surface_variables/t2m"].metadata.codecs]
    assert codecs == ["bytes", "zstd", "crc32c"], codecs

    # 1. One bit flipped in a chunk: zarr-python refuses it, and so does verify.
    chunk = store / "surface_variables" / "t2m" / "c" / "1" / "0" / "0"
    data = bytearray(chunk.read_bytes())
    data[len(data) // 2] ^= 0x10
    chunk.write_bytes(bytes(data))
    try:
        zarr.open_group(store, mode="r")["surface_variables/t2m"][1]
        raise AssertionError("zarr-python decoded a damaged chunk")
    except (ValueError, RuntimeError):
        pass
    run = biocube("verify", store, check=False)
    assert run.returncode == 1
    assert "surface_variables/t2m: step 1" in run.stdout and "crc32c checksum mismatch" in run.stdout, run.stdout
    assert str(chunk) in run.stdout, run.stdout

    # 2. A deleted chunk would read as NaN everywhere.
    store = damaged_copy(pipeline, tmp_path / "b")
    (store / "surface_variables" / "t2m" / "c" / "2" / "0" / "0").unlink()
    run = biocube("verify", store, check=False)
    assert run.returncode == 1 and "step 2 (" in run.stdout and "is missing" in run.stdout, run.stdout

    # 3. A valid chunk with other values: fewer valid cells than the build recorded.
    store = damaged_copy(pipeline, tmp_path / "c")
    t2m = zarr.open_group(store, mode="r+")["surface_variables/t2m"]
    step = t2m[0]
    valid = int(np.isfinite(step).sum())
    step[:10, :] = np.nan
    t2m[0] = step
    now = int(np.isfinite(step).sum())
    run = biocube("verify", store, check=False)
    assert run.returncode == 1
    assert "step 0 (" in run.stdout and f"{now} valid cells, the build recorded {valid}" in run.stdout, run.stdout

    # 4. A time coordinate that disagrees with the axis the batches are cut by.
    store = damaged_copy(pipeline, tmp_path / "d")
    time = zarr.open_group(store, mode="r+")["time"]
    t = time[:]
    t[1] += 86400
    time[:] = t
    run = biocube("verify", store, check=False)
    assert run.returncode == 1 and "coordinate time[1] is" in run.stdout, run.stdout
