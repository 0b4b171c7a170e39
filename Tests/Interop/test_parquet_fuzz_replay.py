"""Replays damaged Parquet files through the fuzz target's code path (the normal build of
`parquet-fuzz`): deterministic mutations of the fixtures plus the bad-file fixtures must
each give values or a clean error — never a crash. `make fuzz` runs libFuzzer itself."""
import glob
import os
import random
import subprocess

import pytest

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "Fixtures", "parquet")


def replay_tool():
    folder = os.environ.get("EXAMPLES")
    if not folder:
        pytest.fail("set EXAMPLES to the Swift build's bin folder (make test does this)")
    return os.path.join(folder, "parquet-fuzz")


def test_mutated_parquet_files_never_crash_the_reader(tmp_path):
    sources = sorted(glob.glob(os.path.join(FIXTURES, "*.parquet")))
    assert sources, "Parquet fixtures are missing: run make fixtures"
    rng = random.Random(1234)
    inputs = sorted(glob.glob(os.path.join(FIXTURES, "bad", "*.parquet")))
    for k in range(300):
        data = bytearray(open(rng.choice(sources), "rb").read())
        for _ in range(rng.choice([1, 2, 8, 32])):
            i = rng.randrange(len(data))
            data[i] = rng.randrange(256) if rng.random() < 0.8 else 0xFF
        if rng.random() < 0.2:
            data = data[: rng.randrange(len(data))]
        p = tmp_path / f"mutant_{k}.parquet"
        p.write_bytes(bytes(data))
        inputs.append(str(p))
    run = subprocess.run([replay_tool(), *inputs], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"the reader crashed (exit {run.returncode}):\n{run.stderr[-3000:]}"
    lines = run.stdout.strip().splitlines()
    assert len(lines) == len(inputs)
    assert all(": ok: " in l or ": error: " in l for l in lines), [l for l in lines if ": ok: " not in l and ": error: " not in l][:5]
    assert sum(": error: " in l for l in lines) > 50   # the mutations do break files
