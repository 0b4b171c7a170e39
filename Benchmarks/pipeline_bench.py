"""make bench: the batch pipeline at full size, against the original tooling's figures.

A full-size sample (europe025, 2000-01 … 2020-06, every published variable, 28 species)
is generated once; then, each timed as its own process (wall time and peak RSS from
wait4):
  - build --jobs 1 and build --jobs 2 (fresh stores),
  - batches --format pt for all 245 windows,
  - build of a 24-month span (peak RSS must not grow with the span),
  - random-window read latency (biocube-bench batch-latency).

Baseline (named in the issue, measured on this kind of machine on BioCube-shaped inputs
spanning 72 months): the original Python pipeline needs a median 3.7 s per window (about
15 minutes for 245 windows) at about 1 GB peak RSS. Targets: build + export of all 245
windows < 90 s; >= 10x faster than the baseline; peak RSS < 1 GB and flat with the span;
--jobs 2 >= 1.6x faster than --jobs 1; one random batch < 50 ms.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

BASELINE_SECONDS_PER_WINDOW = 3.7
BASELINE_RSS_MB = 1024


def timed(cmd):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    out, err = proc.communicate()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed:\n{err}\n{out[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--biocube", required=True)
    ap.add_argument("--bench", required=True, help="biocube-bench executable")
    ap.add_argument("--workdir", default="out/bench-pipeline", help="the exported batches (11 GB) go here")
    ap.add_argument("--fast-dir", default="/dev/shm/biocube-bench-pipeline",
                    help="sample and stores (about 8 GB) go here: RAM-backed, so build times measure BioCube, not the virtual disk")
    ap.add_argument("--keep", action="store_true", help="keep the generated data")
    a = ap.parse_args()
    w = a.workdir
    fast = a.fast_dir
    os.makedirs(w, exist_ok=True)
    os.makedirs(fast, exist_ok=True)
    sample = os.path.join(fast, "BioCube")
    if not os.path.exists(os.path.join(sample, "Species", "europe_species.parquet")):
        s, rss, _ = timed([a.biocube, "sample", sample, "--start", "2000-01", "--end", "2020-06", "--species", "28"])
        print(f"sample: 246 months, 28 species generated in {s:.1f} s (not part of the targets)")
    results = {}
    for jobs in (1, 2):
        store = os.path.join(fast, f"cube-j{jobs}.zarr")
        shutil.rmtree(store, ignore_errors=True)
        results[f"build_j{jobs}"] = timed([a.biocube, "build", sample, "--store", store, "--jobs", str(jobs)])[:2]
    short = os.path.join(fast, "cube-24.zarr")
    shutil.rmtree(short, ignore_errors=True)
    results["build_24"] = timed([a.biocube, "build", sample, "--store", short, "--end", "2001-12", "--jobs", "2"])[:2]
    out = os.path.join(w, "batches")
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(short, ignore_errors=True)
    shutil.rmtree(os.path.join(fast, "cube-j1.zarr"), ignore_errors=True)
    results["batches"] = timed([a.biocube, "batches", os.path.join(fast, "cube-j2.zarr"), "--out", out, "--format", "pt"])[:2]
    windows = len([f for f in os.listdir(out) if f.endswith(".pt")])
    size_gb = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out)) / 1e9
    latency = json.loads(subprocess.run([a.bench, "batch-latency", os.path.join(fast, "cube-j2.zarr"), "50"],
                                        capture_output=True, text=True, check=True).stdout)

    b1, r1 = results["build_j1"]; b2, r2 = results["build_j2"]; e, re_ = results["batches"]
    b24, r24 = results["build_24"]
    total = b2 + e
    per_window = total / windows
    print(f"windows exported: {windows} ({size_gb:.1f} GB of .pt)")
    print(f"build --jobs 1: {b1:6.1f} s  peak RSS {r1:6.0f} MB")
    print(f"build --jobs 2: {b2:6.1f} s  peak RSS {r2:6.0f} MB   speed-up over --jobs 1: {b1 / b2:.2f}x (target >= 1.6x)")
    print(f"build 24 months: {b24:5.1f} s  peak RSS {r24:6.0f} MB   (RSS ratio full/24 months: {r2 / r24:.2f})")
    print(f"batches --format pt: {e:6.1f} s  peak RSS {re_:6.0f} MB   {1000 * e / windows:.0f} ms per window")
    print(f"build + export: {total:.1f} s for {windows} windows (target < 90 s), {per_window * 1000:.0f} ms per window")
    print(f"vs the original pipeline ({BASELINE_SECONDS_PER_WINDOW} s per window, ~{BASELINE_SECONDS_PER_WINDOW * windows / 60:.0f} min): "
          f"{BASELINE_SECONDS_PER_WINDOW / per_window:.1f}x faster (target >= 10x); peak RSS {max(r2, re_):.0f} MB vs ~{BASELINE_RSS_MB} MB")
    print(f"random batch read: median {latency['median_ms']:.1f} ms, p90 {latency['p90_ms']:.1f} ms, max {latency['max_ms']:.1f} ms (target < 50 ms)")
    print(f"(sample and stores in {fast}, RAM-backed; batches written to {out} on disk)")
    if not a.keep:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(fast, ignore_errors=True)


if __name__ == "__main__":
    main()
