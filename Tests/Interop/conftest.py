"""Shared fixtures: the biocube executable under test."""
import os
import subprocess

import pytest


def _runner(path, name):
    """`run(*args)` for an executable: its result, or an AssertionError with its stderr."""
    def run(*args, check=True):
        proc = subprocess.run([path, *map(str, args)], capture_output=True, text=True, timeout=600)
        if check and proc.returncode != 0:
            raise AssertionError(f"{name} {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stderr}")
        return proc

    run.path = path
    return run


@pytest.fixture(scope="session")
def biocube():
    path = os.environ.get("BIOCUBE")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("set BIOCUBE to the built biocube executable (make test does this)")
    return _runner(path, "biocube")


@pytest.fixture(scope="session")
def testdata():
    """The test-data tool (biocube-testdata), built next to the examples."""
    folder = os.environ.get("EXAMPLES")
    path = os.path.join(folder, "biocube-testdata") if folder else None
    if not path or not os.access(path, os.X_OK):
        pytest.fail("set EXAMPLES to the Swift build's bin folder holding biocube-testdata (make test does this)")
    return _runner(path, "biocube-testdata")


@pytest.fixture(scope="session")
def sample(biocube, tmp_path_factory):
    """A three-month sample tree (biocube sample)."""
    root = tmp_path_factory.mktemp("pipeline") / "BioCube"
    biocube("sample", root, "--end", "2000-03")
    return root


@pytest.fixture(scope="session")
def pipeline(biocube, sample, tmp_path_factory):
    """scan → build → batches (.pt and safetensors) on the sample."""
    work = tmp_path_factory.mktemp("pipeline-out")
    scan = biocube("scan", sample, "--out", work / "catalog.json")
    build = biocube("build", work / "catalog.json", "--store", work / "cube.zarr")
    pt = biocube("batches", work / "cube.zarr", "--out", work / "pt")
    st = biocube("batches", work / "cube.zarr", "--out", work / "st", "--format", "safetensors", "--missing", "nan")
    return {"work": work, "scan": scan.stdout, "build": build.stdout, "pt": pt.stdout, "st": st.stdout}
