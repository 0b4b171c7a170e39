"""Shared fixtures: the biocube executable under test."""
import os
import subprocess

import pytest


@pytest.fixture(scope="session")
def biocube():
    path = os.environ.get("BIOCUBE")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("set BIOCUBE to the built biocube executable (make test does this)")

    def run(*args, check=True):
        proc = subprocess.run([path, *map(str, args)], capture_output=True, text=True, timeout=600)
        if check and proc.returncode != 0:
            raise AssertionError(f"biocube {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stderr}")
        return proc

    run.path = path
    return run
