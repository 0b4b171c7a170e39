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
