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
TARGETS = ["parquet", "pt", "safetensors", "zarr-metadata", "zarr-chunk", "csv", "zip", "netcdf",
           "jpeg", "png", "wav", "mp3", "ndvi", "hub-listing", "manifest", "labels"]
MEDIA = {"jpeg": "*.jpg", "png": "*.png", "wav": "*.wav", "mp3": "*.mp3"}


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
    elif target in MEDIA:
        media = sorted(glob.glob(os.path.join(FIXTURES, "media", MEDIA[target])))
        broken = ("corrupt", "truncated", "huge")
        found += [m for m in media if not any(b in os.path.basename(m) for b in broken)]
        bad = [m for m in media if any(b in os.path.basename(m) for b in broken)]
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


def test_a_deflate_bomb_streams_to_disk_in_bounded_memory(tmp_path):
    """Issue #15: a zip member that inflates 1000-fold (here 400 MB of zeros, written by
    Python's zipfile) is extracted piece by piece: the peak RSS stays far below its size."""
    import zipfile
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("data.nc", "w", force_zip64=False) as member:
            block = bytes(1 << 20)
            for _ in range(400):
                member.write(block)
    assert bomb.stat().st_size < 1 << 20
    run = subprocess.run([fuzz_tool(), "zip", str(bomb)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert ": ok: 1 entries, 1 extracted" in run.stdout, run.stdout
    # The tool's own VmHWM (getrusage in this process would include pytest's own peak, which
    # a forked child inherits).
    import re
    found = re.search(r"peak RSS (\d+) kB", run.stderr)
    assert found, run.stderr
    peak_mb = int(found.group(1)) / 1024
    # The archive is mapped, the member streamed in 1 MiB pieces (it used to be held whole: 400+ MB).
    assert peak_mb < 120, f"peak RSS {peak_mb:.0f} MB extracting a 400 MB member"
