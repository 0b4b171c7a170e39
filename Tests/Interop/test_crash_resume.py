"""Issue #15: `kill -9` at deterministic points of `build` and `batches`, then a rerun: the
outputs are byte-identical to an uninterrupted run and no temporary file is left. SIGINT at
a point where a temporary file exists removes it and ends with status 130.

The points are the durable steps of every writer (a temporary file written, a file renamed
into place, marked by Sources/BioCubeCore/IO/CrashPoint.swift), counted by the hook the debug
`biocube` arms from `BIOCUBE_CRASH_AT` (Sources/_BioCubeProcessTuning/CrashTesting.swift):
`BIOCUBE_CRASH_AT=count` prints how many a run passes, `=N` kills the
process at the N-th."""
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from filetree import temporaries, tree

REGION = ["--region", "52,2,44,12"]  # N,W,S,E
BUILD_POINTS = 24
BATCH_POINTS = 12


def run(biocube, args, **env):
    return subprocess.run([biocube.path, *map(str, args)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **{k: str(v) for k, v in env.items()}})


def count_points(biocube, args):
    proc = run(biocube, args, BIOCUBE_CRASH_AT="count")
    assert proc.returncode == 0, proc.stderr
    found = re.search(r"biocube-crash-points: (\d+)", proc.stderr)
    if not found:
        pytest.fail("the biocube under test has no crash points: these tests need a debug build (make test uses one)")
    return int(found.group(1))


def spread(total, wanted):
    """`wanted` distinct points from 1 … total, both ends included, odd and even (a temporary
    file written / renamed into place) alike."""
    assert total >= wanted, (total, wanted)
    return sorted({1 + round(k * (total - 1) / (wanted - 1)) for k in range(wanted)} | {2, total - 1})


@pytest.fixture(scope="module")
def crash_sample(biocube, tmp_path_factory):
    root = tmp_path_factory.mktemp("crash") / "BioCube"
    biocube("sample", root, "--end", "2000-05")
    return root


@pytest.fixture(scope="module")
def reference(biocube, crash_sample, tmp_path_factory):
    work = tmp_path_factory.mktemp("crash-reference")
    store = work / "cube.zarr"
    total = count_points(biocube, ["build", crash_sample, "--store", store, *REGION, "--jobs", "1"])
    out = work / "pt"
    batch_total = count_points(biocube, ["batches", store, "--out", out])
    return {"store": store, "points": total, "pt": out, "batch_points": batch_total}


def test_killed_build_resumes_identically_at_every_point(biocube, crash_sample, reference, tmp_path):
    expected = tree(reference["store"])
    points = spread(reference["points"], BUILD_POINTS)
    assert len(points) >= 20

    def kill_and_resume(n):
        store = tmp_path / f"cube-{n}.zarr"
        args = ["build", crash_sample, "--store", store, *REGION, "--jobs", "1"]
        killed = run(biocube, args, BIOCUBE_CRASH_AT=n)
        assert killed.returncode == -9, (n, killed.returncode, killed.stderr[-2000:])
        resumed = run(biocube, args)
        assert resumed.returncode == 0, (n, resumed.stderr)
        assert temporaries(store) == [], (n, temporaries(store))
        got = tree(store)
        assert got.keys() == expected.keys(), (n, sorted(got.keys() ^ expected.keys())[:10])
        differ = [k for k in expected if got[k] != expected[k]]
        assert not differ, (n, differ[:10])
        shutil.rmtree(store)

    # Two at a time (each run is one thread): the points are independent.
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(kill_and_resume, points))


def test_killed_batches_resume_identically_at_every_point(biocube, reference, tmp_path):
    expected = tree(reference["pt"])
    points = spread(reference["batch_points"], BATCH_POINTS)
    assert len(points) >= 10
    for n in points:
        out = tmp_path / f"pt-{n}"
        killed = run(biocube, ["batches", reference["store"], "--out", out], BIOCUBE_CRASH_AT=n)
        assert killed.returncode == -9, (n, killed.returncode, killed.stderr[-2000:])
        resumed = run(biocube, ["batches", reference["store"], "--out", out])
        assert resumed.returncode == 0, (n, resumed.stderr)
        assert temporaries(out) == [], (n, temporaries(out))
        got = tree(out)
        # export.json records file stamps (modification times): compare everything else byte
        # for byte, and the manifest's list of files.
        assert got.keys() == expected.keys(), n
        assert [k for k in expected if k != "export.json" and got[k] != expected[k]] == [], n


@pytest.mark.parametrize("command", ["build", "batches"])
def test_sigint_removes_the_temporary_file_and_the_rerun_resumes(biocube, crash_sample, reference, tmp_path, command):
    if command == "build":
        target = tmp_path / "cube.zarr"
        args = ["build", crash_sample, "--store", target, *REGION, "--jobs", "1"]
        point, expected = reference["points"] // 2 | 1, tree(reference["store"])
    else:
        target = tmp_path / "pt"
        args = ["batches", reference["store"], "--out", target]
        point, expected = reference["batch_points"] // 2 | 1, tree(reference["pt"])
    # An odd point: a temporary file has been written and not yet renamed.
    interrupted = run(biocube, args, BIOCUBE_CRASH_AT=point, BIOCUBE_CRASH_SIGNAL="INT")
    assert interrupted.returncode == 130, (interrupted.returncode, interrupted.stderr[-2000:])
    assert "interrupted (SIGINT): removed 1 temporary file(s)" in interrupted.stderr, interrupted.stderr
    assert temporaries(target) == []
    assert run(biocube, args).returncode == 0
    got = tree(target)
    assert got.keys() == expected.keys()
    assert [k for k in expected if k != "export.json" and got[k] != expected[k]] == []


def test_a_signal_ignored_at_start_stays_ignored(biocube, crash_sample, tmp_path):
    """Under `nohup` (SIGHUP ignored by the parent), closing the terminal must not stop a build."""
    import signal
    import time
    proc = subprocess.Popen([biocube.path, "build", str(crash_sample), "--store", str(tmp_path / "cube.zarr"), *REGION,
                             "--jobs", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    time.sleep(0.5)
    proc.send_signal(signal.SIGHUP)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-2000:]
    assert "store complete" in out
