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
