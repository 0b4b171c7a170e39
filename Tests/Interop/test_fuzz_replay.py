"""Replays damaged inputs through the fuzz targets' code paths (the normal build of
`biocube-fuzz`, Tests/Fuzz/BioCubeFuzz): deterministic mutations of each target's seeds
(and, for Parquet and CSV, the fixtures and bad-file fixtures) must each give values or a
clean error — never a crash. `make fuzz` runs libFuzzer with AddressSanitizer itself."""
import glob
import os
import random
import subprocess

import pytest

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "Fixtures")
TARGETS = ["parquet", "pt", "safetensors", "zarr-metadata", "zarr-chunk", "csv", "zip", "netcdf"]


def fuzz_tool():
    folder = os.environ.get("EXAMPLES")
    if not folder:
        pytest.fail("set EXAMPLES to the Swift build's bin folder (make test does this)")
    return os.path.join(folder, "biocube-fuzz")


def seeds(target, folder):
    run = subprocess.run([fuzz_tool(), "seed", target, str(folder)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    found = sorted(glob.glob(os.path.join(folder, "seed-*")))
    if target == "parquet":
        found += sorted(glob.glob(os.path.join(FIXTURES, "parquet", "*.parquet")))
        bad = sorted(glob.glob(os.path.join(FIXTURES, "parquet", "bad", "*.parquet")))
    elif target == "csv":
        found += sorted(glob.glob(os.path.join(FIXTURES, "indicators", "*.csv")))
        bad = sorted(glob.glob(os.path.join(FIXTURES, "indicators", "bad", "*.csv")))
    else:
        bad = []
    assert found, f"no seeds for {target}: run make fixtures"
    return found, bad


def mutants(sources, count, rng, folder):
    out = []
    for k in range(count):
        data = bytearray(open(rng.choice(sources), "rb").read())
        if not data:
            continue
        for _ in range(rng.choice([1, 2, 8, 32])):
            i = rng.randrange(len(data))
            data[i] = rng.randrange(256) if rng.random() < 0.8 else 0xFF
        if rng.random() < 0.2:
            data = data[: rng.randrange(len(data))]
        p = folder / f"mutant_{k}"
        p.write_bytes(bytes(data))
        out.append(str(p))
    return out


@pytest.mark.parametrize("target", TARGETS)
def test_mutated_inputs_never_crash_a_reader(target, tmp_path):
    found, bad = seeds(target, tmp_path / "seeds")
    rng = random.Random(f"biocube-{target}")
    inputs = found + bad + mutants(found, 300, rng, tmp_path)
    run = subprocess.run([fuzz_tool(), target, *inputs], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"{target}: the reader crashed (exit {run.returncode}):\n{run.stderr[-3000:]}"
    lines = run.stdout.rstrip("\n").split("\n")
    assert len(lines) == len(inputs)
    odd = [l for l in lines if ": ok: " not in l and ": error: " not in l]
    assert not odd, odd[:5]
    # The seeds themselves are valid inputs (a broken seed would fuzz nothing useful).
    assert all(": ok: " in l for l in lines[: len(found)]), [l for l in lines[: len(found)] if ": ok: " not in l]
